-- One row per loaded CMS PPRRVU release: where it came from and the first date of service it governs.
create table if not exists schedule_releases (
    release          varchar primary key,
    effective_from   date not null unique,
    source_name      varchar not null,
    source_sha256    varchar not null,
    content_sha256   varchar not null,
    file_format      varchar not null,
    released_on      date,
    row_count        integer not null,
    loaded_at        timestamp not null
)
