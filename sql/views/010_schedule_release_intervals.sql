-- Each release governs from its effective_from to the day before the next release: no gaps, no overlaps.
create or replace view schedule_release_intervals as
with releases as (
    select * from schedule_releases
),

final as (
    select
        release,
        effective_from,
        cast(lead(effective_from) over (order by effective_from) - 1 as date) as effective_to,
        released_on,
        row_count,
        file_format,
        source_name,
        source_sha256,
        loaded_at
    from releases
)

select * from final
