-- The price of each credit key (docs/crediting.md section 5): the product of its modifier factors, its rule
-- (the row rule, then each modifier rule) and flags. A line's credit is work RVU x factor x its
-- multiple-procedure factor x units (the line_* macros), rounded half away from zero to 4 decimals so
-- that a void exactly negates its charge.
-- reads: credit_priced_keys (temp), crediting_modifier_rules and crediting_bilateral_factors (registered)
-- writes: credit_key_prices (temp)
create or replace temp table credit_key_prices as
with priced as (
    select * from credit_priced_keys
),

modifier_rules as (
    -- one row per modifier with a rule, from the policy (schemas/crediting.py MODIFIER_RULES)
    select * from crediting_modifier_rules
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
    ) as modifier_slots
    where modifier <> ''
    qualify row_number() over (partition by credit_key, modifier order by slot) = 1
),

modifier_effects as (
    -- each modifier's rule reads its factor from the policy, the bilateral factors or the row's shares
    select
        line_modifiers.credit_key,
        line_modifiers.slot,
        modifier_rules.rule,
        modifier_rules.flag,
        modifier_rules.flag_when,
        modifier_rules.reads,
        bilateral_factors.label as bilateral_label,
        coalesce(bilateral_factors.is_allowed, false) as is_bilateral_allowed,
        case modifier_rules.reads
            when 'factor' then modifier_rules.factor
            when 'bilat_surg' then bilateral_factors.factor
            when 'pre_op+intra_op' then priced.pre_op + priced.intra_op
            when 'pre_op' then priced.pre_op
            when 'intra_op' then priced.intra_op
            when 'post_op' then priced.post_op
        end as read_factor,
        -- the shares of a custom code without a CMS row are missing
        priced.pre_op is null as is_share_missing
    from line_modifiers
    inner join priced on line_modifiers.credit_key = priced.credit_key
    left join modifier_rules on line_modifiers.modifier = modifier_rules.modifier
    left join bilateral_factors on priced.bilat_surg = bilateral_factors.indicator
),

modifier_parts as (
    -- 26, TC and 53 chose the row, 51 is ranked per line (multiple_factors.sql); others are informational
    select
        credit_key,
        slot,
        cast(coalesce(read_factor, 1) as decimal(18, 8)) as factor,
        case
            when reads = 'bilat_surg' then rule || '_' || coalesce(bilateral_label, '1.0')
            else nullif(rule, '')
        end as rule_part,
        case
            when flag_when = 'always' then flag
            when flag_when = 'not_allowed' and not is_bilateral_allowed then flag
            when flag_when = 'missing' and is_share_missing then flag
        end as flag
    from modifier_effects
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
    from modifier_parts
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
