-- The period's lines that carry the wRVU their billing system printed (source_work_rvu), with what the
-- causes of a difference are tested against (transforms/source_rvus.py `line_cause`): whether the
-- line's rule credits 0, the CMS work RVU of its schedule row in its own release (what a custom value
-- overrode), and the work RVU of the same row (code and 26/TC/53 modifier) in every other loaded
-- release, the release whose interval is nearest the date of service first (for a line priced by a
-- plan's pinned release, the release that governs its date).
-- reads: close_period_lines (temp)
with lines as (
    -- the billed clinician's row of a line team-based care shares: the source's figure is the line's
    select * from close_period_lines where source_work_rvu is not null and npi = billed_npi
),

versions as (
    select version_id, credit_key from claim_line_versions
),

keys as (
    select credit_key, schedule_modifier from credit_keys
),

cms_rows as (
    select release, cpt_code, modifier, work_rvu from schedule_rows
),

releases as (
    select release, effective_from, effective_to from schedule_release_intervals
),

keyed as (
    -- the CMS row a line was priced from (or whose indicators its custom value kept): null when held
    -- or for a custom code CMS does not list
    select lines.*, keys.schedule_modifier
    from lines
    inner join versions on lines.version_id = versions.version_id
    inner join keys on versions.credit_key = keys.credit_key
),

other_rows as (
    -- the line's row in each release but its own, and how many days that release's interval lies
    -- from the date of service (0: it governs the date)
    select
        keyed.version_id,
        cms_rows.release,
        cms_rows.work_rvu,
        releases.effective_from,
        greatest(
            date_diff('day', keyed.service_date, releases.effective_from),
            date_diff('day', coalesce(releases.effective_to, keyed.service_date), keyed.service_date),
            0
        ) as days_away
    from keyed
    inner join cms_rows
        on keyed.cpt_code = cms_rows.cpt_code
            and keyed.schedule_modifier = cms_rows.modifier
            and cms_rows.release is distinct from keyed.release
    inner join releases on cms_rows.release = releases.release
),

elsewhere as (
    select
        version_id,
        list(struct_pack(release := release, work_rvu := work_rvu) order by days_away, effective_from) as other_releases
    from other_rows
    group by version_id
),

final as (
    select
        keyed.transaction_id,
        keyed.claim_id,
        keyed.employee_id,
        keyed.npi,
        keyed.service_date,
        keyed.cpt_code,
        keyed.modifiers,
        keyed.units,
        keyed.release,
        keyed.cms_work_rvu,
        keyed.factor,
        keyed.rule,
        keyed.credited_wrvu,
        keyed.source_work_rvu,
        keyed.source_file,
        keyed.source_row,
        is_uncredited_rule(keyed.rule) as is_uncredited,
        starts_with(keyed.rule, 'custom') as is_custom,
        own_release.work_rvu as release_work_rvu,
        coalesce(elsewhere.other_releases, []) as other_releases
    from keyed
    left join cms_rows as own_release
        on keyed.release = own_release.release
            and keyed.cpt_code = own_release.cpt_code
            and keyed.schedule_modifier = own_release.modifier
    left join elsewhere on keyed.version_id = elsewhere.version_id
)

select * from final
order by employee_id nulls last, npi, service_date, transaction_id
