-- Current lines credited 0, by the reason they are held, with their dates of service, and how many
-- of them the prices just computed again (credit_key_prices, of credit_stored_keys held only) credit
-- from one of $releases (null: from any release or custom RVU): those the next ingest re-credits.
-- reads: credit_key_prices (temp)
with versions as (
    select credit_key from claim_line_versions where is_current
),

held_keys as (
    select credit_key, split_part(rule, '+', 1) as reason, service_date
    from credit_keys
    where is_uncredited_rule(rule)
),

repriced_keys as (
    select credit_key
    from credit_key_prices
    where is_credited and ($releases is null or release in (select unnest($releases)))
),

final as (
    select
        held_keys.reason,
        count(*) as lines,
        min(held_keys.service_date) as first_date,
        max(held_keys.service_date) as last_date,
        count(repriced_keys.credit_key) as priceable
    from versions
    inner join held_keys on versions.credit_key = held_keys.credit_key
    left join repriced_keys on held_keys.credit_key = repriced_keys.credit_key
    group by held_keys.reason
)

select * from final order by reason
