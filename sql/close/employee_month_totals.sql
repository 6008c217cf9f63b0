-- Credited wRVUs per employee, plan, NPI and month up to the end of the close, and encounters in the
-- months of the close (every month's wRVUs feed the year to date; encounters only the period), of the
-- lines of {lines_table}: claim_lines_current as credited, or close_repriced_credits (repricing.py: the
-- same lines under another roster or release). An encounter counts by is_counted_encounter, as in
-- encounter_units.
-- reads: {lines_table} (claim_lines_current, or temp: close_repriced_credits)
with lines as (
    select
        employee_id, plan_id, npi, period, credited_wrvu, units, encounter_id, encounter_patient_key, encounter_date
    from {lines_table}
    where employee_id is not null and period <= $last_month
),

encounter_units as (
    select employee_id, plan_id, npi, period, sum(units) as net_units
    from lines
    where period between $first_month and $last_month
    group by employee_id, plan_id, npi, period, encounter_id, encounter_patient_key, encounter_date
),

encounters as (
    select employee_id, plan_id, npi, period, count(*) filter (where is_counted_encounter(net_units)) as encounters
    from encounter_units
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
