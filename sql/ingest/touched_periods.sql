-- The providers and periods this run's new and retired versions fall in: their provider_period rows
-- are computed again (every one when $all).
-- writes: run_touched_periods (temp)
create or replace temp table run_touched_periods as
with settings as (
    select * from period_basis
),

versions as (
    select npi, service_date, post_date
    from claim_line_versions
    where $all or run_id = $run_id or superseded_in_run = $run_id
),

final as (
    select distinct
        versions.npi, line_period(versions.service_date, versions.post_date, settings.period_basis) as period
    from versions
    cross join settings
)

select * from final
