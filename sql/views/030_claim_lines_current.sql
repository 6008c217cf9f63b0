-- The current version of every accepted line with its credit, period and encounter: the base of
-- claim_lines, provider_period and the close. Internal: it carries the encounter key.
create or replace view claim_lines_current as
with versions as (
    select * from claim_line_versions where is_current
),

credits as (
    select * from line_credits
),

settings as (
    select coalesce(max(value) filter (where name = 'period_basis'), 'service_date') as period_basis
    from workspace_settings
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
        strftime(
            case when settings.period_basis = 'post_date' then versions.post_date else versions.service_date end,
            '%Y-%m'
        ) as period,
        versions.cpt_code,
        concat_ws(' ', nullif(versions.modifier_1, ''), nullif(versions.modifier_2, ''),
                  nullif(versions.modifier_3, ''), nullif(versions.modifier_4, '')) as modifiers,
        versions.units,
        credits.release,
        credits.cms_work_rvu,
        credits.factor,
        credits.credited_wrvu,
        credits.rule,
        versions.source_file,
        versions.source_row,
        credits.flags,
        credits.source_line as schedule_source_line,
        versions.source_sha256,
        versions.place_of_service,
        versions.version_id,
        versions.run_id,
        roster.plan_id,
        coalesce(
            nullif(versions.encounter_id, ''),
            versions.patient_hash || '|' || versions.npi || '|' || cast(versions.service_date as varchar)
        ) as encounter_key
    from versions
    inner join credits on versions.version_id = credits.version_id
    cross join settings
    left join roster
        on versions.npi = roster.npi
        and versions.service_date between roster.effective_from and coalesce(roster.effective_to, date '9999-12-31')
)

select * from final
