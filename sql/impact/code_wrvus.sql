-- Per employee, plan and code of the impact's window: the wRVUs of close_repriced_credits (each line
-- once per release it was priced on) on the new release ($new) and on the base, on $base_release or,
-- when it is null, as credited now; the lines, and those credited now that $new credits nothing (a
-- code it lacks or does not credit: 0 on it).
-- reads: close_repriced_credits (temp)
with lines as (
    select
        *,
        pinned_release = $new as is_new,
        pinned_release = coalesce($base_release, $new) as is_base
    from close_repriced_credits
),

final as (
    select
        employee_id,
        plan_id,
        cpt_code,
        min(period) as first_month,
        max(period) as last_month,
        coalesce(
            sum(case when $base_release is null then as_credited_wrvu else credited_wrvu end) filter (where is_base), 0
        ) as wrvu_base,
        coalesce(sum(credited_wrvu) filter (where is_new), 0) as wrvu_new,
        count(*) filter (where is_new) as lines,
        count(*) filter (where is_new and as_credited_wrvu <> 0 and credited_wrvu = 0) as unpriced_lines
    from lines
    group by employee_id, plan_id, cpt_code
)

select * from final order by employee_id, plan_id, cpt_code
