-- Rebuild provider_period from the current lines.
create or replace table provider_period_totals as
with lines as (
    select npi, period, credited_wrvu from claim_lines_current
),

encounter_counts as (
    select npi, period, count(*) filter (where net_units > 0) as encounters
    from encounter_units
    group by npi, period
),

line_totals as (
    select npi, period, sum(credited_wrvu) as wrvu, count(*) as lines from lines group by npi, period
),

final as (
    select
        line_totals.npi,
        line_totals.period,
        cast(line_totals.wrvu as decimal(18, 4)) as wrvu,
        coalesce(encounter_counts.encounters, 0) as encounters,
        line_totals.lines
    from line_totals
    left join encounter_counts on line_totals.npi = encounter_counts.npi and line_totals.period = encounter_counts.period
)

select * from final order by npi, period
