-- Credited wRVUs per month of the trend, as credited and as priced on one release (credit_key_prices
-- of the keys credit/pinned_keys copied pinned to $release): the difference is the schedule's effect,
-- month by month; and the credited lines that release does not price (a code it lacks or no longer
-- credits), which it counts as 0. Each line is re-priced as claim_lines_current credits it: times its
-- share of team-based care, 0 for a held denial or anesthesia minutes.
-- reads: credit_pinned_keys (temp), credit_key_prices (temp)
with lines as (
    select version_id, period, credited_wrvu, share, is_line_credited, multiple_factor
    from claim_lines_current
    where employee_id is not null and period between $first_month and $last_month
),

pinned as (
    select credit_key, stored_key from credit_pinned_keys where pinned_release = $release
),

repriced as (
    select
        lines.period,
        lines.credited_wrvu,
        line_shared_credit(
            prices.is_credited, lines.is_line_credited, prices.cms_work_rvu, prices.factor, lines.share,
            lines.multiple_factor, versions.units
        ) as repriced_wrvu,
        lines.credited_wrvu <> 0 and not prices.is_credited as is_unpriced_on_release
    from lines
    inner join claim_line_versions as versions using (version_id)
    inner join pinned on versions.credit_key = pinned.stored_key
    inner join credit_key_prices as prices on pinned.credit_key = prices.credit_key
),

final as (
    select
        period,
        sum(credited_wrvu) as credited_wrvu,
        sum(repriced_wrvu) as repriced_wrvu,
        count(*) filter (where is_unpriced_on_release) as unpriced_lines
    from repriced
    group by period
)

select * from final order by period
