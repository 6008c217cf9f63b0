drop table if exists credit_priced_keys
