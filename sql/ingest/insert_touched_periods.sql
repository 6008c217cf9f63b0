-- provider_period rows for the touched providers and periods, from their current lines: credited
-- wRVUs, lines, and the encounters that count (is_counted_encounter, as the close counts them). The
-- touched lines are picked before grouping: a night touches a few periods of a warehouse of years.
-- reads: run_touched_periods (temp)
insert into provider_period_totals
with touched as (
    select * from run_touched_periods
),

lines as (
    select
        claim_lines_current.npi,
        claim_lines_current.period,
        claim_lines_current.credited_wrvu,
        claim_lines_current.units,
        claim_lines_current.encounter_id,
        claim_lines_current.encounter_patient_key,
        claim_lines_current.encounter_date
    from claim_lines_current
    semi join touched on claim_lines_current.npi = touched.npi and claim_lines_current.period = touched.period
),

encounters as (
    select
        npi,
        period,
        sum(credited_wrvu) as wrvu,
        count(*) as lines,
        is_counted_encounter(sum(units)) as is_counted
    from lines
    group by npi, period, encounter_id, encounter_patient_key, encounter_date
),

final as (
    select
        npi,
        period,
        cast(sum(wrvu) as decimal(18, 4)) as wrvu,
        count(*) filter (where is_counted) as encounters,
        sum(lines) as lines
    from encounters
    group by npi, period
)

select * from final order by npi, period
