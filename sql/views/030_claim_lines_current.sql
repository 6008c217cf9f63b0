-- The current version of every accepted line with its credit, period and lineage: the base of
-- claim_lines, provider_period and the close. Internal: it carries the line's encounter, the visit id
-- or else patient + provider + date of service (encounter_id, encounter_patient_key, encounter_date).
create or replace view claim_lines_current as
with versions as (
    select * from claim_line_versions where is_current
),

keys as (
    select * from credit_keys
),

files as (
    select file_id, source_file, sha256 from ingest_files
),

settings as (
    select * from period_basis cross join denied_claims
),

roster as (
    select * from roster
),

final as (
    select
        versions.transaction_id,
        versions.claim_id,
        versions.npi,
        roster.employee_id,
        versions.service_date,
        versions.post_date,
        line_period(versions.service_date, versions.post_date, settings.period_basis) as period,
        versions.cpt_code,
        concat_ws(
            ' ', nullif(versions.modifier_1, ''), nullif(versions.modifier_2, ''),
            nullif(versions.modifier_3, ''), nullif(versions.modifier_4, '')
        ) as modifiers,
        versions.units,
        keys.release,
        keys.cms_work_rvu,
        line_factor(keys.factor, versions.multiple_factor) as factor,
        line_credited_wrvu(
            keys.is_credited and not is_held_denial(versions.claim_status, settings.denied_claims),
            keys.cms_work_rvu,
            line_factor(keys.factor, versions.multiple_factor),
            versions.units
        ) as credited_wrvu,
        case
            when is_held_denial(versions.claim_status, settings.denied_claims) then 'denied'
            else line_rule(keys.rule, versions.multiple_factor)
        end as rule,
        files.source_file,
        versions.source_row,
        keys.flags,
        keys.source_line as schedule_source_line,
        files.sha256 as source_sha256,
        versions.place_of_service,
        versions.version_id,
        versions.run_id,
        roster.plan_id,
        versions.encounter_id,
        versions.source_work_rvu,
        versions.claim_status,
        versions.implied_by,
        case when versions.encounter_id = '' then versions.patient_key end as encounter_patient_key,
        case when versions.encounter_id = '' then versions.service_date end as encounter_date
    from versions
    inner join keys on versions.credit_key = keys.credit_key
    inner join files on versions.file_id = files.file_id
    cross join settings
    left join roster
        on versions.npi = roster.npi
            and versions.service_date between roster.effective_from and coalesce(roster.effective_to, date '9999-12-31')
)

select * from final
