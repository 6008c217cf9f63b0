-- The pay and recover rows of the latest revision of each closed period that payroll_paid.csv (staged
-- as staged_payroll_paid) has not recorded: no incentive (for a pay) or recovery (for a recover) of
-- the employee dated after the period's end. As seen by a close ending on $as_of (null: today, by
-- `wrvu check`), other than of $period: closes ending by then, payments dated by then (the ones its
-- paid_ytd counts).
with latest as (
    select period, max(revision) as revision from close_revisions group by period
),

payments as (
    select close_payments.*
    from close_payments
    semi join latest on close_payments.period = latest.period and close_payments.revision = latest.revision
    where ($as_of is null or close_payments.period_end <= $as_of)
        and close_payments.period is distinct from $period
),

recorded as (
    select employee_id, pay_date, case pay_type when 'incentive' then 'pay' else 'recover' end as action
    from staged_payroll_paid
    where pay_type in ('incentive', 'recovery')
),

final as (
    select
        payments.period, payments.revision, payments.period_end, payments.employee_id, payments.plan_id,
        payments.action, payments.amount
    from payments
    anti join recorded
        on payments.employee_id = recorded.employee_id
            and payments.action = recorded.action
            and payments.period_end < recorded.pay_date
            and ($as_of is null or recorded.pay_date <= $as_of)
)

select * from final order by period_end, period, employee_id, plan_id
