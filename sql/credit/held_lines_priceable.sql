-- Current lines credited 0, by the reason they are held, with their dates of service and how many
-- of them the given releases ($releases; null: every loaded release) have a row for on their dates
-- (or for the release pinned: the key's, else the policy's $schedule_pin). Only lines held for want of
-- a schedule row (no_schedule, unknown_code, invalid_modifier) can be priced so; the next ingest
-- prices their keys again. The row chosen is that of sql/credit/priced_keys.sql.
with releases as (
    select release, effective_from, coalesce(effective_to, date '9999-12-31') as effective_to
    from schedule_release_intervals
    where $releases is null or release in (select unnest($releases))
),

release_rows as (
    select release, cpt_code, modifier, pctc_ind from schedule_rows
),

versions as (
    select credit_key from claim_line_versions where is_current
),

held_keys as (
    select
        credit_key,
        split_part(rule, '+', 1) as reason,
        service_date,
        coalesce(nullif(pinned_release, ''), $schedule_pin, '') as pinned_release,
        cpt_code,
        has_both_components(modifier_1, modifier_2, modifier_3, modifier_4) as has_both_components,
        schedule_row_modifier(modifier_1, modifier_2, modifier_3, modifier_4) as row_modifier
    from credit_keys
    where not is_credited
),

priceable_keys as (
    -- its modifier's own row, else the plain row (for 26 or TC, only that of a professional- or
    -- technical-only code)
    select distinct held_keys.credit_key
    from held_keys
    inner join releases
        on held_keys.pinned_release = releases.release
        or (held_keys.pinned_release = '' and held_keys.service_date between releases.effective_from and releases.effective_to)
    inner join release_rows
        on releases.release = release_rows.release
        and held_keys.cpt_code = release_rows.cpt_code
    where held_keys.reason in ('no_schedule', 'unknown_code', 'invalid_modifier')
        and not held_keys.has_both_components
        and (release_rows.modifier = held_keys.row_modifier
            or (release_rows.modifier = '' and (
                held_keys.row_modifier in ('', '53')
                or (held_keys.row_modifier = '26' and release_rows.pctc_ind = '2')
                or (held_keys.row_modifier = 'TC' and release_rows.pctc_ind = '3')
            )))
),

final as (
    select
        held_keys.reason,
        count(*) as lines,
        min(held_keys.service_date) as first_date,
        max(held_keys.service_date) as last_date,
        count(priceable_keys.credit_key) as priceable
    from versions
    inner join held_keys on versions.credit_key = held_keys.credit_key
    left join priceable_keys on held_keys.credit_key = priceable_keys.credit_key
    group by held_keys.reason
)

select * from final order by reason
