-- The current version of every accepted line with its credit, period and lineage: the base of
-- claim_lines, provider_period and the close. Internal: it carries the line's encounter, the visit id
-- or else patient + provider + date of service (encounter_id, encounter_patient_key, encounter_date).
-- A line whose credit team-based care shares (line_attribution) is a row per clinician with a share:
-- the billed (rendering) one always, the performing one where its share is above 0; `npi` is the
-- credited clinician's, the factor includes the share, and both rows trace to the same extract row.
-- `share`, `is_line_credited` and `multiple_factor` are what a re-pricing applies besides a key's price.
create or replace view claim_lines_current as
with keys as (
    select * from credit_keys
),

files as (
    select file_id, source_file, sha256 from ingest_files
),

settings as (
    select * from period_basis cross join line_policy
),

roster as (
    select * from roster
),

billed as (
    -- every current line, for its billed (rendering) clinician
    select
        versions.*,
        versions.npi as credited_npi,
        true as is_billed,
        line_attribution(
            versions.npi, versions.performing_npi, versions.modifier_1, versions.modifier_2, versions.modifier_3,
            versions.modifier_4
        ) as attribution,
        has_teaching_modifier(versions.modifier_1, versions.modifier_2, versions.modifier_3, versions.modifier_4)
            as is_teaching
    from claim_line_versions as versions
    where versions.is_current
),

performing as (
    -- the current lines performed by a clinician of their own, for that clinician
    select
        versions.*,
        versions.performing_npi as credited_npi,
        false as is_billed,
        line_attribution(
            versions.npi, versions.performing_npi, versions.modifier_1, versions.modifier_2, versions.modifier_3,
            versions.modifier_4
        ) as attribution,
        false as is_teaching
    from claim_line_versions as versions
    where versions.is_current and versions.performing_npi not in ('', versions.npi)
),

policy_shares as (
    -- each clinician's share (the teaching factor on the billed one's), and the rule part naming it;
    -- a performing clinician's row only where the policy gives them a share
    select
        lines.*,
        attribution_share(
            lines.attribution, lines.is_billed, settings.split_shared_billed, settings.split_shared_performing,
            settings.incident_to_billed, settings.incident_to_performing
        ) as attribution_share,
        case when lines.is_teaching then settings.teaching else 1 end as teaching_factor
    from (
        select * from billed
        union all by name
        select * from performing
    ) as lines
    cross join settings
),

shares as (
    select
        *,
        attribution_share * teaching_factor as share,
        -- what credits a line 0 whatever its price: a denied claim the policy holds, anesthesia minutes
        -- (no work RVU per minute)
        not is_held_denial(claim_status, settings.denied_claims) and unit_basis <> 'MJ' as is_line_credited,
        concat_ws(
            '+',
            case when attribution <> '' then attribution || '_' || share_label(attribution_share) end,
            case when teaching_factor <> 1 then 'teaching_' || share_label(teaching_factor) end
        ) as share_rule
    from policy_shares
    cross join settings
    where is_billed or attribution_share > 0
),

final as (
    select
        shares.transaction_id,
        shares.claim_id,
        shares.credited_npi as npi,
        roster.employee_id,
        shares.service_date,
        shares.post_date,
        line_period(shares.service_date, shares.post_date, settings.period_basis) as period,
        shares.cpt_code,
        concat_ws(
            ' ', nullif(shares.modifier_1, ''), nullif(shares.modifier_2, ''),
            nullif(shares.modifier_3, ''), nullif(shares.modifier_4, '')
        ) as modifiers,
        shares.units,
        keys.release,
        keys.cms_work_rvu,
        line_factor(keys.factor * shares.share, shares.multiple_factor) as factor,
        line_shared_credit(
            keys.is_credited, shares.is_line_credited, keys.cms_work_rvu, keys.factor, shares.share,
            shares.multiple_factor, shares.units
        ) as credited_wrvu,
        case
            when shares.unit_basis = 'MJ' then 'anesthesia_minutes'
            when is_held_denial(shares.claim_status, settings.denied_claims) then 'denied'
            else concat_ws('+', line_rule(keys.rule, shares.multiple_factor), nullif(shares.share_rule, ''))
        end as rule,
        files.source_file,
        shares.source_row,
        keys.flags,
        keys.source_line as schedule_source_line,
        files.sha256 as source_sha256,
        shares.place_of_service,
        shares.version_id,
        shares.run_id,
        roster.plan_id,
        shares.encounter_id,
        shares.source_work_rvu,
        shares.claim_status,
        shares.implied_by,
        shares.npi as billed_npi,
        shares.performing_npi,
        shares.unit_basis,
        shares.share,
        shares.is_line_credited,
        shares.multiple_factor,
        case when shares.encounter_id = '' then shares.patient_key end as encounter_patient_key,
        case when shares.encounter_id = '' then shares.service_date end as encounter_date
    from shares
    inner join keys on shares.credit_key = keys.credit_key
    inner join files on shares.file_id = files.file_id
    cross join settings
    left join roster
        on shares.credited_npi = roster.npi
            and shares.service_date between roster.effective_from and coalesce(roster.effective_to, date '9999-12-31')
)

select * from final
