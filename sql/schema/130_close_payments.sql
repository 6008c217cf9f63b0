-- The pay and recover rows of each close revision: what payroll was asked to pay or recover, so that
-- later closes and `wrvu check` can tell whether config/payroll_paid.csv has recorded it since.
create table if not exists close_payments (
    period                varchar not null,
    revision              integer not null,
    period_end            date not null,
    employee_id           varchar not null,
    plan_id               varchar not null,
    action                varchar not null,
    amount                decimal(18, 2) not null
)
