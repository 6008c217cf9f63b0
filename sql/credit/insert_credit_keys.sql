-- Store the keys of {keys_table} with their prices.
-- reads: {keys_table} (temp: credit_new_keys or credit_stored_keys), credit_key_prices (temp)
insert into credit_keys by name
select
    keys.credit_key,
    keys.service_date,
    keys.pinned_release,
    keys.cpt_code,
    keys.modifier_1,
    keys.modifier_2,
    keys.modifier_3,
    keys.modifier_4,
    prices.release,
    prices.cms_work_rvu,
    prices.factor,
    prices.rule,
    prices.flags,
    prices.source_line,
    prices.is_credited,
    prices.mult_proc,
    prices.schedule_modifier
from {keys_table} as keys
inner join credit_key_prices as prices on keys.credit_key = prices.credit_key
