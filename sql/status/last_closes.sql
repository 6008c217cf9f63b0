-- The latest revision of each closed period: when it was written and where.
with closes as (
    select period, revision, closed_at, out_dir from closes
),

final as (
    select * from closes qualify row_number() over (partition by period order by revision desc) = 1
)

select * from final order by period
