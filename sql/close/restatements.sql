-- Net change per employee, since their own (latest) close, of every closed period before this one,
-- split into late charges (new or corrected transactions), voids (new reversals), denials (a new
-- version whose claim status is denied) and schedule changes (the same line version credited anew
-- after a schedule, policy or custom RVU change).
with latest as (
    select close_period, max(revision) as revision
    from close_lines
    group by close_period
),

closed as (
    select close_lines.*
    from close_lines
    inner join latest on close_lines.close_period = latest.close_period and close_lines.revision = latest.revision
    where close_lines.period < $first_month
),

current_lines as (
    select employee_id, transaction_id, version_id, units, credited_wrvu, period, claim_status
    from claim_lines_current
    where employee_id is not null and period in (select distinct period from closed)
),

compared as (
    select
        coalesce(current_lines.employee_id, closed.employee_id) as employee_id,
        case
            when closed.transaction_id is null and current_lines.units < 0 then 'void'
            when closed.version_id = current_lines.version_id then 'schedule_change'
            when current_lines.claim_status = 'denied' then 'denial'
            else 'late_charge'
        end as cause,
        coalesce(current_lines.credited_wrvu, 0) - coalesce(closed.credited_wrvu, 0) as delta
    from current_lines
    full outer join closed
        on current_lines.transaction_id = closed.transaction_id and current_lines.period = closed.period
            and current_lines.employee_id = closed.employee_id
),

final as (
    select
        employee_id,
        sum(delta) as restatement_wrvu,
        sum(delta) filter (where cause = 'late_charge') as late_charge_wrvu,
        sum(delta) filter (where cause = 'void') as void_wrvu,
        sum(delta) filter (where cause = 'denial') as denial_wrvu,
        sum(delta) filter (where cause = 'schedule_change') as schedule_change_wrvu
    from compared
    where delta <> 0
    group by employee_id
)

select * from final
