-- The credit keys of the current lines of the trend's months, each to be priced on $release (the
-- productivity report's re-priced trend): credit/pinned_keys copies them pinned to it.
-- writes: report_trend_keys (temp)
create or replace temp table report_trend_keys as
with window_versions as (
    select version_id from claim_lines_current
    where employee_id is not null and period between $first_month and $last_month
),

final as (
    select distinct versions.credit_key, $release as pinned_release
    from claim_line_versions as versions
    inner join window_versions using (version_id)
)

select * from final
