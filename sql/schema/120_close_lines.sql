-- The lines each close paid on (close_period = the closed PERIOD, period = the line's month), so later
-- closes can tell what changed since (restatements).
create table if not exists close_lines (
    close_period          varchar not null,
    revision              integer not null,
    period                varchar not null,
    employee_id           varchar not null,
    transaction_id        varchar not null,
    version_id            bigint not null,
    units                 integer not null,
    credited_wrvu         decimal(18, 4) not null
)
