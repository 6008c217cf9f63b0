-- provider_period, materialised at the end of each ingest.
create table if not exists provider_period_totals (
    npi                   varchar not null,
    period                varchar not null,
    wrvu                  decimal(18, 4) not null,
    encounters            bigint not null,
    lines                 bigint not null
)
