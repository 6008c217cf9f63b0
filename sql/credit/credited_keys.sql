-- The price of each credit key (CREDITING.md section 3): the product of its modifier factors, its rule
-- (the row rule, then each modifier rule) and flags. A line's credit is work RVU x factor x its
-- multiple-procedure factor x units (the line_* macros), rounded half away from zero to 4 decimals so
-- that a void exactly negates its charge.
create or replace temp table {output_table} as
with priced as (
    select * from credit_priced_keys
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
    select credit_key, slot, modifier
    from (
        select credit_key, 1 as slot, modifier_1 as modifier from priced where not is_held
        union all
        select credit_key, 2 as slot, modifier_2 as modifier from priced where not is_held
        union all
        select credit_key, 3 as slot, modifier_3 as modifier from priced where not is_held
        union all
        select credit_key, 4 as slot, modifier_4 as modifier from priced where not is_held
    )
    where modifier <> ''
    qualify row_number() over (partition by credit_key, modifier order by slot) = 1
),

modifier_effects as (
    select
        line_modifiers.credit_key,
        line_modifiers.slot,
        cast(
            case
                when line_modifiers.modifier = '50' then coalesce(bilateral_factors.factor, 1)
                when line_modifiers.modifier = '54' then coalesce(priced.pre_op + priced.intra_op, 1)
                when line_modifiers.modifier = '55' then coalesce(priced.post_op, 1)
                when line_modifiers.modifier = '56' then coalesce(priced.pre_op, 1)
                when line_modifiers.modifier = '78' then coalesce(priced.intra_op, 1)
                -- 26, TC and 53 chose the row, 51 is ranked per line (multiple_factors.sql); others are informational
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
    inner join priced on line_modifiers.credit_key = priced.credit_key
    left join modifier_factors on line_modifiers.modifier = modifier_factors.modifier
    left join bilateral_factors on priced.bilat_surg = bilateral_factors.indicator
),

modifier_totals as (
    select
        credit_key,
        coalesce(max(factor) filter (where slot = 1), 1) as factor_1,
        coalesce(max(factor) filter (where slot = 2), 1) as factor_2,
        coalesce(max(factor) filter (where slot = 3), 1) as factor_3,
        coalesce(max(factor) filter (where slot = 4), 1) as factor_4,
        string_agg(rule_part, '+' order by slot) as rule_parts,
        string_agg(distinct flag, ',' order by flag) as flags
    from modifier_effects
    group by credit_key
),

modified as (
    select
        priced.*,
        coalesce(modifier_totals.factor_1, 1) as factor_1,
        coalesce(modifier_totals.factor_2, 1) as factor_2,
        coalesce(modifier_totals.factor_3, 1) as factor_3,
        coalesce(modifier_totals.factor_4, 1) as factor_4,
        modifier_totals.rule_parts,
        modifier_totals.flags
    from priced
    left join modifier_totals on priced.credit_key = modifier_totals.credit_key
),

factored as (
    select
        *,
        -- the exact decimal product, one factor at a time (the product() aggregate is a DOUBLE)
        cast(
            cast(
                cast(factor_1 * factor_2 as decimal(18, 8)) * factor_3 as decimal(18, 8)
            ) * factor_4 as decimal(18, 8)
        ) as factor
    from modified
),

final as (
    select
        credit_key,
        release,
        cms_work_rvu,
        case when not is_held then factor end as factor,
        case when is_held then base_rule else concat_ws('+', base_rule, rule_parts) end as rule,
        case when is_held then '' else coalesce(flags, '') end as flags,
        source_line,
        is_credited,
        -- what multiple_procedure: cms ranks by (sql/credit/multiple_factors.sql)
        mult_proc,
        schedule_modifier
    from factored
)

select * from final
