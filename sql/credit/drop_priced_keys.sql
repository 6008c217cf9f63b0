-- Drop the schedule rows of the keys just priced (credit_priced_keys.sql), once credited_keys.sql read them.
-- writes: credit_priced_keys (temp, dropped)
drop table if exists credit_priced_keys
