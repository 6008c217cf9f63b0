-- Credited wRVUs per month of the trend, as credited and as priced on one release (credit_key_prices
-- of report_trend_keys): the difference is the schedule's effect, month by month; and the credited
-- lines that release does not price (a code it lacks or no longer credits), which it counts as 0.
-- reads: credit_key_prices (temp)
with lines as (
    select version_id, period, credited_wrvu
    from claim_lines_current
    where employee_id is not null and period between $first_month and $last_month
),

repriced as (
    select
        lines.period,
        lines.credited_wrvu,
        line_credited_wrvu(
            prices.is_credited, prices.cms_work_rvu, line_factor(prices.factor, versions.multiple_factor),
            versions.units
        ) as repriced_wrvu,
        lines.credited_wrvu <> 0 and not prices.is_credited as is_unpriced_on_release
    from lines
    inner join claim_line_versions as versions using (version_id)
    inner join credit_key_prices as prices on versions.credit_key = prices.credit_key
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
