-- Credited current lines of NPIs with no row of config/roster.csv (staged as staged_roster) on their
-- date of service, per NPI and period: a close pays them to nobody. A line's performing clinician
-- (team-based care) counts as its NPI too, with the line's whole credit (the policy may share it).
with versions as (
    select npi, service_date, post_date, units, credit_key, multiple_factor
    from claim_line_versions
    where is_current
    union all
    select performing_npi as npi, service_date, post_date, units, credit_key, multiple_factor
    from claim_line_versions
    where is_current and performing_npi not in ('', npi)
),

keys as (
    select credit_key, cms_work_rvu, factor from credit_keys where is_credited
),

roster as (
    select npi, effective_from, effective_to from staged_roster
),

unrostered as (
    select versions.*, keys.cms_work_rvu, keys.factor
    from versions
    inner join keys on versions.credit_key = keys.credit_key
    left join roster
        on versions.npi = roster.npi
            and versions.service_date between roster.effective_from and coalesce(roster.effective_to, date '9999-12-31')
    where roster.npi is null
),

final as (
    select
        npi,
        line_period(service_date, post_date, $period_basis) as period,
        count(*) as lines,
        sum(line_credited_wrvu(true, cms_work_rvu, line_factor(factor, multiple_factor), units)) as wrvu
    from unrostered
    group by all
)

select * from final order by npi, period
