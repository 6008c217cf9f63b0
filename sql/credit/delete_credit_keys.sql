delete from credit_keys
