-- Credited wRVUs per employee, plan, NPI and month up to the end of the close, and encounters in the
-- months of the close (every month's wRVUs feed the year to date; encounters only the period).
with lines as (
    select employee_id, plan_id, npi, period, credited_wrvu
    from claim_lines_current
    where employee_id is not null and period <= $last_month
),

encounters as (
    select employee_id, plan_id, npi, period, count(*) filter (where is_counted_encounter(net_units)) as encounters
    from encounter_units
    where employee_id is not null and period between $first_month and $last_month
    group by employee_id, plan_id, npi, period
),

totals as (
    select employee_id, plan_id, npi, period, sum(credited_wrvu) as wrvu, count(*) as lines
    from lines
    group by employee_id, plan_id, npi, period
),

final as (
    select totals.*, coalesce(encounters.encounters, 0) as encounters
    from totals
    left join encounters using (employee_id, plan_id, npi, period)
)

select * from final order by employee_id, plan_id, period
