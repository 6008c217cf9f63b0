-- The schedule row of each credit key (docs/crediting.md sections 1 to 4): the release governing its date
-- of service (or the pinned one), the row its 26/TC/53 modifier selects, a custom RVU winning over CMS
-- for its dates, and the row rule: which row prices its lines, or why they are held or unpriced.
-- A key is what a credit depends on besides units: date of service, pinned release, code, modifiers.
-- reads: {keys_table} (temp: credit_new_keys or credit_stored_keys), crediting_status_policy (registered)
-- writes: credit_priced_keys (temp)
create or replace temp table credit_priced_keys as
with keys as (
    select * from {keys_table}
),

releases as (
    select release, effective_from from schedule_release_intervals
),

cms_rows as (
    select * from schedule_rows
),

custom_rows as (
    select * from custom_rvus
),

status_policy as (
    select * from crediting_status_policy
),

dated as (
    -- as-of join: the last release starting on or before the date of service (releases leave no gaps)
    select keys.*, releases.release as dated_release
    from keys
    asof left join releases on keys.service_date >= releases.effective_from
),

governed as (
    -- a pinned release (the key's, '' for none, else the policy's) that is not loaded governs nothing
    select dated.*, loaded.release
    from dated
    left join releases as loaded
        on loaded.release = pricing_release(dated.pinned_release, $schedule_pin, dated.dated_release)
),

keyed as (
    select
        *,
        has_both_components(modifier_1, modifier_2, modifier_3, modifier_4) as has_both_components,
        schedule_row_modifier(modifier_1, modifier_2, modifier_3, modifier_4) as row_modifier
    from governed
),

matched as (
    select
        keyed.*,
        cms_exact.cpt_code is not null as has_cms_exact,
        cms_plain.cpt_code is not null as has_cms_plain,
        cms_plain.pctc_ind as plain_pctc_ind,
        custom_exact.work_rvu as custom_exact_rvu,
        custom_plain.work_rvu as custom_plain_rvu
    from keyed
    left join cms_rows as cms_exact
        on keyed.release = cms_exact.release
            and keyed.cpt_code = cms_exact.cpt_code
            and keyed.row_modifier = cms_exact.modifier
    left join cms_rows as cms_plain
        on keyed.release = cms_plain.release
            and keyed.cpt_code = cms_plain.cpt_code
            and cms_plain.modifier = ''
    left join custom_rows as custom_exact
        on keyed.cpt_code = custom_exact.cpt_code
            and keyed.row_modifier = custom_exact.modifier
            and keyed.service_date between custom_exact.effective_from
            and coalesce(custom_exact.effective_to, date '9999-12-31')
    left join custom_rows as custom_plain
        on keyed.cpt_code = custom_plain.cpt_code
            and custom_plain.modifier = ''
            and keyed.service_date between custom_plain.effective_from
            and coalesce(custom_plain.effective_to, date '9999-12-31')
),

ruled as (
    select
        *,
        case
            when has_both_components then 'invalid_modifier'
            when custom_exact_rvu is not null then 'custom'
            when row_modifier <> '' and has_cms_exact then 'cms_' || lower(row_modifier)
            -- 53 without a 53 row is priced as the plain code, so a custom plain value wins
            when row_modifier = '53' and custom_plain_rvu is not null then 'custom'
            when release is null then 'no_schedule'
            when not has_cms_plain and custom_plain_rvu is null then 'unknown_code'
            when row_modifier in ('', '53') then 'cms'
            -- a professional-only code (PCTC 2) is its own 26 row, a technical-only one (PCTC 3) its own TC row
            when (row_modifier = '26' and plain_pctc_ind = '2') or (row_modifier = 'TC' and plain_pctc_ind = '3')
                then case
                        when custom_plain_rvu is not null then 'custom' else 'cms_' || lower(row_modifier) || '_plain'
                    end
            else 'invalid_modifier'
        end as row_rule,
        -- the CMS row that prices the line, or whose indicators apply to its custom value
        case when has_cms_exact then row_modifier when has_cms_plain then '' end as schedule_modifier
    from matched
),

priced as (
    select
        ruled.*,
        is_held_rule(ruled.row_rule) as is_held,
        -- the status is credited by the policy: always, or where the row carries a work RVU
        status_policy.status is not null
        and (not status_policy.requires_work_rvu or schedule_row.work_rvu > 0) as is_status_credited,
        schedule_row.work_rvu as schedule_work_rvu,
        schedule_row.source_line as schedule_source_line,
        schedule_row.mult_proc,
        schedule_row.bilat_surg,
        schedule_row.pre_op,
        schedule_row.intra_op,
        schedule_row.post_op
    from ruled
    left join cms_rows as schedule_row
        on ruled.release = schedule_row.release
            and ruled.cpt_code = schedule_row.cpt_code
            and ruled.schedule_modifier = schedule_row.modifier
    left join status_policy on schedule_row.status = status_policy.status
),

final as (
    select
        credit_key,
        modifier_1,
        modifier_2,
        modifier_3,
        modifier_4,
        release,
        schedule_modifier,
        case
            when is_held or row_rule = 'custom' or is_status_credited then row_rule
            else 'unpriced_status'
        end as base_rule,
        is_held,
        not is_uncredited_rule(base_rule) as is_credited,
        case
            when is_held then null
            when row_rule = 'custom' then coalesce(custom_exact_rvu, custom_plain_rvu)
            else schedule_work_rvu
        end as cms_work_rvu,
        case when not is_held and row_rule <> 'custom' then schedule_source_line end as source_line,
        mult_proc,
        bilat_surg,
        pre_op,
        intra_op,
        post_op
    from priced
)

select * from final
