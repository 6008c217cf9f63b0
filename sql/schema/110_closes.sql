-- Every period close and restatement revision, with its manifest.
create table if not exists close_revisions (
    period                varchar not null,
    revision              integer not null,
    closed_at             timestamp not null,
    out_dir               varchar not null,
    content_sha256        varchar not null,
    control_total_wrvu    decimal(18, 4) not null,
    manifest              varchar not null,
    primary key (period, revision)
)
