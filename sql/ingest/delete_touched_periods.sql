-- Drop the provider_period rows this run recomputes.
-- reads: run_touched_periods (temp)
delete from provider_period_totals
where $all or exists (
        select 1 from run_touched_periods
        where run_touched_periods.npi = provider_period_totals.npi
            and run_touched_periods.period = provider_period_totals.period
    )
