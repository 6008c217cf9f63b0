-- The credit of each priced line (CREDITING.md sections 3 and 4): the product of its modifier factors,
-- the multiple-procedure rank when the policy is `cms`, and credited = work RVU x factor x units,
-- rounded half away from zero to 4 decimals so that a void exactly negates its charge.
create or replace temp table {output_table} as
with priced as (
    select * from credit_priced_lines
),

modifier_factors as (
    select * from crediting_modifier_factors
),

bilateral_factors as (
    select
        *,
        -- 1.50000000 -> '1.5', 2.00000000 -> '2.0'
        regexp_replace(regexp_replace(cast(factor as varchar), '0+$', ''), '\.$', '.0') as label
    from crediting_bilateral_factors
),

line_modifiers as (
    -- one row per modifier a line carries; a modifier repeated on a line applies once
    select version_id, slot, modifier
    from (
        select version_id, 1 as slot, modifier_1 as modifier from priced where not is_held
        union all
        select version_id, 2 as slot, modifier_2 as modifier from priced where not is_held
        union all
        select version_id, 3 as slot, modifier_3 as modifier from priced where not is_held
        union all
        select version_id, 4 as slot, modifier_4 as modifier from priced where not is_held
    )
    where modifier <> ''
    qualify row_number() over (partition by version_id, modifier order by slot) = 1
),

modifier_effects as (
    select
        line_modifiers.version_id,
        line_modifiers.slot,
        cast(
            case
                when line_modifiers.modifier = '50' then coalesce(bilateral_factors.factor, 1)
                when line_modifiers.modifier = '54' then coalesce(priced.pre_op + priced.intra_op, 1)
                when line_modifiers.modifier = '55' then coalesce(priced.post_op, 1)
                when line_modifiers.modifier = '56' then coalesce(priced.pre_op, 1)
                when line_modifiers.modifier = '78' then coalesce(priced.intra_op, 1)
                -- 26, TC and 53 chose the row, 51 is ranked below; other modifiers are informational
                else coalesce(modifier_factors.factor, 1)
            end
            as decimal(18, 8)
        ) as factor,
        case
            when line_modifiers.modifier = '50' then 'bilateral_' || coalesce(bilateral_factors.label, '1.0')
            when line_modifiers.modifier in ('54', '55', '56', '78') then 'share_' || line_modifiers.modifier
            when line_modifiers.modifier = '62' then 'cosurgeon_62'
            when line_modifiers.modifier in ('80', '81', '82', 'AS') then 'asst_' || line_modifiers.modifier
            when line_modifiers.modifier = '66' then 'team_66'
            when line_modifiers.modifier in ('22', '52') then 'review_' || line_modifiers.modifier
            when modifier_factors.modifier is not null then 'factor_' || line_modifiers.modifier
        end as rule_part,
        case
            when line_modifiers.modifier = '50' and coalesce(priced.bilat_surg, '') not in ('1', '2', '3')
                then 'bilateral_not_allowed'
            when line_modifiers.modifier = '66' then 'team_surgery_review'
            when line_modifiers.modifier in ('22', '52') then 'review'
            -- a custom code without a CMS row has no global-surgery shares to split
            when line_modifiers.modifier in ('54', '55', '56', '78') and priced.pre_op is null then 'review'
        end as flag
    from line_modifiers
    inner join priced on line_modifiers.version_id = priced.version_id
    left join modifier_factors on line_modifiers.modifier = modifier_factors.modifier
    left join bilateral_factors on priced.bilat_surg = bilateral_factors.indicator
),

modifier_totals as (
    select
        version_id,
        coalesce(max(factor) filter (where slot = 1), 1) as factor_1,
        coalesce(max(factor) filter (where slot = 2), 1) as factor_2,
        coalesce(max(factor) filter (where slot = 3), 1) as factor_3,
        coalesce(max(factor) filter (where slot = 4), 1) as factor_4,
        string_agg(rule_part, '+' order by slot) as rule_parts,
        string_agg(distinct flag, ',' order by flag) as flags
    from modifier_effects
    group by version_id
),

procedures as (
    -- multiple_procedure cms: a provider's MULT PROC 2 procedures for one patient and date, ranked by
    -- work RVU; the first is credited 100%, every other 50%. A procedure is a code and its schedule
    -- row, so its charges and voids share one factor and a void nets its charge; a procedure voided
    -- to no units does not rank.
    select
        npi,
        patient_hash,
        service_date,
        cpt_code,
        schedule_modifier,
        sum(units) > 0 as is_performed,
        row_number() over (
            partition by npi, patient_hash, service_date, sum(units) > 0
            order by max(cms_work_rvu) desc, cpt_code, schedule_modifier
        ) as procedure_rank
    from priced
    where $multiple_procedure = 'cms' and is_credited and mult_proc = '2'
    group by npi, patient_hash, service_date, cpt_code, schedule_modifier
),

ranked as (
    select
        priced.*,
        coalesce(modifier_totals.factor_1, 1) as factor_1,
        coalesce(modifier_totals.factor_2, 1) as factor_2,
        coalesce(modifier_totals.factor_3, 1) as factor_3,
        coalesce(modifier_totals.factor_4, 1) as factor_4,
        modifier_totals.rule_parts,
        modifier_totals.flags,
        case
            when procedures.is_performed and procedures.procedure_rank = 1 then cast(1.0 as decimal(18, 8))
            when procedures.procedure_rank is not null then cast(0.5 as decimal(18, 8))
        end as multiple_factor
    from priced
    left join modifier_totals on priced.version_id = modifier_totals.version_id
    left join procedures
        on priced.is_credited
        and priced.mult_proc = '2'
        and priced.npi = procedures.npi
        and priced.patient_hash = procedures.patient_hash
        and priced.service_date = procedures.service_date
        and priced.cpt_code = procedures.cpt_code
        and priced.schedule_modifier = procedures.schedule_modifier
),

factored as (
    select
        *,
        -- the exact decimal product, one factor at a time (the product() aggregate is a DOUBLE)
        cast(
            cast(
                cast(
                    cast(factor_1 * factor_2 as decimal(18, 8)) * factor_3 as decimal(18, 8)
                ) * factor_4 as decimal(18, 8)
            ) * coalesce(multiple_factor, 1) as decimal(18, 8)
        ) as factor
    from ranked
),

final as (
    select
        version_id,
        release,
        cms_work_rvu,
        case when not is_held then factor end as factor,
        case
            when is_credited then cast(round(cms_work_rvu * factor * units, 4) as decimal(18, 4))
            else cast(0 as decimal(18, 4))
        end as credited_wrvu,
        case
            when is_held then base_rule
            else concat_ws('+', base_rule, rule_parts, 'multiple_' || cast(multiple_factor as decimal(2, 1)))
        end as rule,
        case when is_held then '' else coalesce(flags, '') end as flags,
        source_line
    from factored
)

select * from final
