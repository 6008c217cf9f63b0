-- The files of the latest ingest run that read any, with their row accounting.
with runs as (
    select * from ingest_runs
),

last_run as (
    select run_id from runs order by finished_at desc limit 1
),

final as (
    select
        runs.run_id, runs.source_file, runs.finished_at, runs.rows_read, runs.rows_accepted,
        runs.rows_quarantined, runs.rows_duplicate
    from runs
    semi join last_run on runs.run_id = last_run.run_id
)

select * from final order by source_file
