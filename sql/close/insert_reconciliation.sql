-- The figures of the close revision being recorded, per employee and plan (staged_close_reconciliation).
-- reads: staged_close_reconciliation (registered)
insert into close_reconciliation
select
    $period as period,
    $revision as revision,
    $period_end as period_end,
    employee_id,
    plan_id,
    wrvu_ytd,
    threshold_ytd,
    production_ytd,
    earned_ytd,
    paid_ytd,
    opening_balance,
    true_up,
    action,
    deficit_balance,
    terms_applied,
    final_settlement
from staged_close_reconciliation
