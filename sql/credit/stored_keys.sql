-- Every stored credit key, without its price, to price it again.
create or replace temp table credit_stored_keys as
select credit_key, service_date, pinned_release, cpt_code, modifier_1, modifier_2, modifier_3, modifier_4
from credit_keys
