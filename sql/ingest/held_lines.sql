-- Current lines credited nothing because no schedule row could price them, by reason.
with held_keys as (
    select credit_key, rule as reason
    from credit_keys
    where is_held_rule(rule)
),

versions as (
    select credit_key from claim_line_versions where is_current
),

final as (
    select held_keys.reason, count(*) as lines
    from versions
    inner join held_keys on versions.credit_key = held_keys.credit_key
    group by held_keys.reason
)

select * from final order by reason
