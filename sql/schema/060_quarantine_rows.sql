-- Rows that failed validation: where they came from, the first failing field and why. raw_row is
-- the row as read, with the patient identifier replaced by its keyed hash.
create table if not exists quarantine_rows (
    run_id                varchar not null,
    source_file           varchar not null,
    source_sha256         varchar not null,
    source_row            bigint not null,
    field                 varchar not null,
    reason                varchar not null,
    raw_row               varchar not null,
    service_date          date,
    post_date             date
)
