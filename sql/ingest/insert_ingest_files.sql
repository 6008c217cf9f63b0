-- The row accounting of each file of the run: read = accepted + quarantined + duplicate.
insert into ingest_files
with files as (
    select * from staged_files
),

lines as (
    select
        run_lines.file_seq,
        count(*) filter (where not run_lines.is_duplicate) as rows_accepted,
        count(*) filter (where run_lines.is_duplicate) as rows_duplicate,
        count(*) filter (where run_lines.supersedes) as rows_superseded,
        coalesce(sum(run_credits.credited_wrvu), 0) as wrvu_added
    from run_lines
    left join run_credits on run_lines.version_id = run_credits.version_id
    group by run_lines.file_seq
),

final as (
    select
        $run_id as run_id,
        files.source_file,
        files.sha256,
        files.column_map,
        files.started_at,
        current_localtimestamp() as finished_at,
        files.rows_read,
        coalesce(lines.rows_accepted, 0) as rows_accepted,
        files.rows_quarantined,
        coalesce(lines.rows_duplicate, 0) as rows_duplicate,
        coalesce(lines.rows_superseded, 0) as rows_superseded,
        cast(coalesce(lines.wrvu_added, 0) as decimal(18, 4)) as wrvu_added
    from files
    left join lines on files.file_seq = lines.file_seq
)

select * from final order by source_file
