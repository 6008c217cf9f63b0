-- The current lines a clinician's log is reconciled against: every line of $who (an NPI or employee id)
-- with a date of service from $first_day to $last_day, and the lines of other clinicians on the dates
-- and for the patients of the log (to find a visit billed under another NPI). Patients only as their keyed hash,
-- which the reconciliation matches on and never writes out.
-- reads: log_visits (registered)
with lines as (
    select * from claim_lines_current
    where service_date between $first_day and $last_day
),

versions as (
    select version_id, patient_key from claim_line_versions
    where is_current
),

visits as (
    select distinct service_date, patient_key from log_visits
),

keyed as (
    select lines.*, versions.patient_key
    from lines
    inner join versions using (version_id)
),

final as (
    select
        keyed.npi,
        coalesce(keyed.npi = $who or keyed.employee_id = $who, false) as is_who,
        keyed.transaction_id,
        keyed.claim_id,
        keyed.version_id,
        keyed.service_date,
        keyed.cpt_code,
        keyed.modifiers,
        keyed.units,
        keyed.credited_wrvu,
        keyed.rule,
        is_uncredited_rule(keyed.rule) as is_uncredited,
        keyed.patient_key,
        keyed.encounter_id
    from keyed
    where
        keyed.npi = $who
        or keyed.employee_id = $who
        or exists (
            select 1 from visits
            where visits.service_date = keyed.service_date and visits.patient_key = keyed.patient_key
        )
)

select * from final order by service_date, transaction_id, version_id, npi
