-- One row per extract per run, with the row accounting: read = accepted + quarantined + duplicate.
create table if not exists ingest_files (
    file_id               integer not null,
    run_id                varchar not null,
    source_file           varchar not null,
    sha256                varchar not null,
    column_map            varchar,
    started_at            timestamp not null,
    finished_at           timestamp not null,
    rows_read             bigint not null,
    rows_accepted         bigint not null,
    rows_quarantined      bigint not null,
    rows_duplicate        bigint not null,
    rows_superseded       bigint not null,
    wrvu_added            decimal(18, 4) not null
)
