-- The credit keys of {lines_table} copied with another pinned release: each distinct stored key
-- (credit_key) and release its lines are to be priced on (pinned_release, '' for the release of their
-- date of service) becomes a key numbered anew (credit_key), `stored_key` naming the stored one, so
-- that one stored key priced on two releases is two keys. Priced like new keys (priced_keys,
-- credited_keys); the lines find their price by stored_key and pinned_release.
-- reads: {lines_table} (temp: report_trend_keys or close_repriced_lines)
-- writes: credit_pinned_keys (temp)
create or replace temp table credit_pinned_keys as
with line_keys as (
    select distinct credit_key, pinned_release from {lines_table}
),

stored as (
    select * from credit_keys
),

final as (
    select
        row_number() over (order by line_keys.credit_key, line_keys.pinned_release) as credit_key,
        line_keys.credit_key as stored_key,
        stored.service_date,
        line_keys.pinned_release,
        stored.cpt_code,
        stored.modifier_1,
        stored.modifier_2,
        stored.modifier_3,
        stored.modifier_4
    from line_keys
    inner join stored on line_keys.credit_key = stored.credit_key
)

select * from final
