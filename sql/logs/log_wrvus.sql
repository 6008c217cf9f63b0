-- The wRVUs each log line implies: its key's price (credit_key_prices of log_credit_keys) times its
-- units, as a billed line of that code and modifiers would be credited on that date (no
-- multiple-procedure ranking or team-based-care share: the log says what was done, not how it was
-- billed); 0 where no release prices it, with the rule saying why.
-- reads: log_lines (registered), log_credit_keys (temp), credit_key_prices (temp)
with lines as (
    select * from log_lines
),

keys as (
    select * from log_credit_keys
),

final as (
    select
        lines.log_row,
        line_credited_wrvu(prices.is_credited, prices.cms_work_rvu, prices.factor, lines.units) as log_wrvu,
        case when not prices.is_credited then prices.rule else '' end as log_rule
    from lines
    inner join keys using (service_date, pinned_release, cpt_code, modifier_1, modifier_2, modifier_3, modifier_4)
    inner join credit_key_prices as prices on keys.credit_key = prices.credit_key
)

select * from final order by log_row
