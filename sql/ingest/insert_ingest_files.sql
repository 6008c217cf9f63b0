-- The row accounting of each file of the run: read = accepted + quarantined + duplicate, where
-- accepted counts the versions stored.
-- reads: staged_files (registered), run_repeats (temp)
insert into ingest_files by name
with files as (
    select * from staged_files
),

repeats as (
    select
        file_seq,
        count(*) filter (where is_duplicate) as rows_duplicate,
        count(*) filter (where supersedes) as rows_superseded
    from run_repeats
    group by file_seq
),

stored as (
    select
        versions.file_id,
        count(*) as rows_accepted,
        sum(line_credited_wrvu(
            keys.is_credited, keys.cms_work_rvu, line_factor(keys.factor, versions.multiple_factor), versions.units
        )) as wrvu_added
    from claim_line_versions as versions
    inner join credit_keys as keys on versions.credit_key = keys.credit_key
    where versions.run_id = $run_id and versions.implied_by is null  -- not rows of the file
    group by versions.file_id
),

final as (
    select
        files.file_id,
        $run_id as run_id,
        files.source_file,
        files.sha256,
        files.column_map,
        files.started_at,
        current_localtimestamp() as finished_at,
        files.rows_read,
        coalesce(stored.rows_accepted, 0) as rows_accepted,
        files.rows_quarantined,
        coalesce(repeats.rows_duplicate, 0) as rows_duplicate,
        coalesce(repeats.rows_superseded, 0) as rows_superseded,
        cast(coalesce(stored.wrvu_added, 0) as decimal(18, 4)) as wrvu_added
    from files
    left join repeats on files.file_seq = repeats.file_seq
    left join stored on files.file_id = stored.file_id
)

select * from final order by source_file
