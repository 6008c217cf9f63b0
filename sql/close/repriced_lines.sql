-- The current lines of periods $since_month to $last_month assigned by another roster (repriced_roster:
-- the what-if's, the clinicians of plans that pin a release for variance.csv's wrvu_ytd_as_of_dos, or
-- the roster once per release for `wrvu schedule impact`), each with the release to price it on
-- (pinned_release, '' for the release of its date of service), what claim_lines_current applies besides
-- its key's price (share, is_line_credited, multiple_factor), and its code and credit as credited now
-- (as_credited_wrvu). A line belongs to the roster rows of its credited NPI whose dates contain its
-- date of service, as in claim_lines_current: one row per such row.
-- reads: repriced_roster (registered)
-- writes: close_repriced_lines (temp)
create or replace temp table close_repriced_lines as
with lines as (
    select * from claim_lines_current
    where period between $since_month and $last_month
),

versions as (
    select version_id, credit_key from claim_line_versions where is_current
),

roster as (
    select * from repriced_roster
),

final as (
    select
        lines.version_id,
        lines.npi,
        roster.employee_id,
        roster.plan_id,
        lines.period,
        lines.cpt_code,
        lines.units,
        lines.credited_wrvu as as_credited_wrvu,
        versions.credit_key,
        roster.pinned_release,
        lines.multiple_factor,
        lines.share,
        lines.is_line_credited,
        lines.encounter_id,
        lines.encounter_patient_key,
        lines.encounter_date
    from lines
    inner join versions using (version_id)
    inner join roster
        on lines.npi = roster.npi
            and lines.service_date between roster.effective_from and coalesce(roster.effective_to, date '9999-12-31')
)

select * from final
