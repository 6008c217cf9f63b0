-- Per employee and plan, the figures of the latest recorded close (latest revision) of a period ending
-- before $period_start, and the end of the latest such period whose close was their final settlement:
-- a clinician who left a plan keeps a row in later closes of the plan year only when these change.
with latest as (
    select period, max(revision) as revision from close_revisions group by period
),

recorded as (
    select figures.*
    from close_reconciliation as figures
    semi join latest on figures.period = latest.period and figures.revision = latest.revision
    where figures.period_end < $period_start
),

final as (
    select
        employee_id,
        plan_id,
        max(period_end) as period_end,
        arg_max(wrvu_ytd, period_end) as wrvu_ytd,
        arg_max(earned_ytd, period_end) as earned_ytd,
        max(period_end) filter (where final_settlement) as final_settled_on
    from recorded
    group by employee_id, plan_id
)

select * from final order by employee_id, plan_id
