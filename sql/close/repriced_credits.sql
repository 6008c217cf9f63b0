-- The lines of close_repriced_lines, each priced on its pinned_release (credit_key_prices of the keys
-- credit/pinned_keys copied) times its share, as claim_lines_current credits it: the columns
-- close/employee_month_totals reads, under other terms, and those impact/code_wrvus reads (the release,
-- the code, the credit as credited now).
-- reads: close_repriced_lines (temp), credit_pinned_keys (temp), credit_key_prices (temp)
-- writes: close_repriced_credits (temp)
create or replace temp table close_repriced_credits as
with lines as (
    select * from close_repriced_lines
),

pinned as (
    select credit_key, stored_key, pinned_release from credit_pinned_keys
),

prices as (
    select * from credit_key_prices
),

final as (
    select
        lines.employee_id,
        lines.plan_id,
        lines.npi,
        lines.period,
        lines.units,
        lines.encounter_id,
        lines.encounter_patient_key,
        lines.encounter_date,
        lines.pinned_release,
        lines.cpt_code,
        lines.as_credited_wrvu,
        line_shared_credit(
            prices.is_credited, lines.is_line_credited, prices.cms_work_rvu, prices.factor, lines.share,
            lines.multiple_factor, lines.units
        ) as credited_wrvu
    from lines
    inner join pinned on lines.credit_key = pinned.stored_key and lines.pinned_release = pinned.pinned_release
    inner join prices on pinned.credit_key = prices.credit_key
)

select * from final
