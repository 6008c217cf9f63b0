-- The line versions to credit: this run's new ones with every current line of the same provider,
-- patient and date of service (multiple-procedure ranks span them), or every current line when the
-- schedule, policy, custom RVUs or plan pins changed since the last credit ($recredit_all).
-- A plan pinned to a release (schedule_basis: RVU20D) prices its clinicians' lines on that release.
create or replace temp table lines_to_credit as
with new_versions as (
    select npi, patient_hash, service_date from claim_line_versions where run_id = $run_id
),

pins as (
    select roster.npi, roster.effective_from, roster.effective_to, staged_plan_pins.release
    from roster
    inner join staged_plan_pins on roster.plan_id = staged_plan_pins.plan_id
),

final as (
    select
        claim_line_versions.version_id,
        claim_line_versions.npi,
        claim_line_versions.patient_hash,
        claim_line_versions.service_date,
        claim_line_versions.cpt_code,
        claim_line_versions.modifier_1,
        claim_line_versions.modifier_2,
        claim_line_versions.modifier_3,
        claim_line_versions.modifier_4,
        claim_line_versions.units,
        pins.release as pinned_release
    from claim_line_versions
    left join pins
        on claim_line_versions.npi = pins.npi
        and claim_line_versions.service_date between pins.effective_from and coalesce(pins.effective_to, date '9999-12-31')
    where is_current and (
        $recredit_all
        or exists (
            select 1 from new_versions
            where new_versions.npi = claim_line_versions.npi
                and new_versions.patient_hash = claim_line_versions.patient_hash
                and new_versions.service_date = claim_line_versions.service_date
        )
    )
)

select * from final
