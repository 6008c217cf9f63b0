-- Current lines dated where a release governs beyond its own year (the gaps staged as
-- staged_release_gaps; an open gap runs on), per release.
with gaps as (
    select release, gap_start, coalesce(gap_end, date '9999-12-31') as gap_end from staged_release_gaps
),

versions as (
    select service_date from claim_line_versions where is_current
),

final as (
    select
        gaps.release,
        count(*) as lines,
        min(versions.service_date) as first_date,
        max(versions.service_date) as last_date
    from versions
    inner join gaps on versions.service_date between gaps.gap_start and gaps.gap_end
    group by gaps.release
)

select * from final order by release
