-- The stored credit keys, without their price, to price them again: every key, or ($held_only) the
-- keys of current lines credited 0, to see which pricing them now would credit.
-- writes: credit_stored_keys (temp)
create or replace temp table credit_stored_keys as
select credit_key, service_date, pinned_release, cpt_code, modifier_1, modifier_2, modifier_3, modifier_4
from credit_keys
where not $held_only
    or (not is_credited and credit_key in (select credit_key from claim_line_versions where is_current))
