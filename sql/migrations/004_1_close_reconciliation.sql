-- noqa: disable=LT05
-- Layout 4: the figures of every close revision, per employee and plan, as reconciliation.csv wrote
-- them: the history of a clinician's reconciliation in SQL, and what later closes compare with to
-- tell whether a clinician who left a plan has figures that changed since its final settlement.
create table close_reconciliation (
    period                varchar not null,
    revision              integer not null,
    period_end            date not null,
    employee_id           varchar not null,
    plan_id               varchar not null,
    wrvu_ytd              decimal(18, 4) not null,
    threshold_ytd         decimal(18, 4) not null,
    production_ytd        decimal(18, 2) not null,
    earned_ytd            decimal(18, 2) not null,
    paid_ytd              decimal(18, 2) not null,
    opening_balance       decimal(18, 2) not null,
    true_up               decimal(18, 2) not null,
    action                varchar not null,
    deficit_balance       decimal(18, 2) not null,
    terms_applied         varchar not null,
    final_settlement      boolean not null,
    primary key (period, revision, employee_id, plan_id)
);
comment on table close_reconciliation is 'The figures of each close revision per employee and plan, as reconciliation.csv wrote them.'
