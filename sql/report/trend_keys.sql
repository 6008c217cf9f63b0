-- The credit keys of the current lines of the trend's months, pinned to $release, to price them all
-- on one schedule (the productivity report's re-priced trend); their numbers are kept, so the lines
-- find their new price by credit_key.
-- writes: report_trend_keys (temp)
create or replace temp table report_trend_keys as
with window_versions as (
    select version_id from claim_lines_current
    where employee_id is not null and period between $first_month and $last_month
),

window_keys as (
    select distinct versions.credit_key
    from claim_line_versions as versions
    inner join window_versions using (version_id)
),

final as (
    select
        keys.credit_key, keys.service_date, $release as pinned_release, keys.cpt_code,
        keys.modifier_1, keys.modifier_2, keys.modifier_3, keys.modifier_4
    from credit_keys as keys
    inner join window_keys using (credit_key)
)

select * from final
