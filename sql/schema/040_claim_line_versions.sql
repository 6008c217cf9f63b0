-- Every accepted version of every billing transaction; a correction adds a version and retires the
-- one it supersedes, so both stay queryable. Patient identifiers are stored only as a keyed hash
-- (patient_key). Narrow by design, for tens of millions of lines: the source file, its sha256 and run
-- are in ingest_files (file_id), and how a line is priced in credit_keys (credit_key); a line adds
-- only its multiple-procedure factor (multiple_procedure: cms).
create table if not exists claim_line_versions (
    version_id            bigint not null,
    transaction_id        varchar not null,
    claim_id              varchar not null,
    npi                   varchar not null,
    service_date          date not null,
    post_date             date not null,
    cpt_code              varchar not null,
    modifier_1            varchar not null,
    modifier_2            varchar not null,
    modifier_3            varchar not null,
    modifier_4            varchar not null,
    units                 integer not null,
    patient_key           bigint not null,
    place_of_service      varchar not null,
    encounter_id          varchar not null,
    file_id               integer not null,
    source_row            bigint not null,
    run_id                varchar not null,
    is_current            boolean not null,
    superseded_in_run     varchar,
    credit_key            integer not null,
    multiple_factor       decimal(2, 1)
)
