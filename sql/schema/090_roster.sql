-- config/roster.csv as of the last run: who is paid under which plan, by date.
create table if not exists roster (
    npi                   varchar not null,
    employee_id           varchar not null,
    provider_name         varchar,
    specialty             varchar,
    plan_id               varchar not null,
    fte                   decimal(5, 4) not null,
    effective_from        date not null,
    effective_to          date
)
