-- Every accepted version of every billing transaction; a correction adds a version and retires the
-- one it supersedes, so both stay queryable. Patient identifiers are stored only as a keyed hash.
create table if not exists claim_line_versions (
    version_id            bigint not null,
    transaction_id        varchar not null,
    content_hash          varchar not null,
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
    patient_hash          varchar not null,
    place_of_service      varchar not null,
    encounter_id          varchar not null,
    source_file           varchar not null,
    source_sha256         varchar not null,
    source_row            bigint not null,
    run_id                varchar not null,
    is_current            boolean not null,
    superseded_in_run     varchar
)
