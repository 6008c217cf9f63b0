-- The quarantined rows of earlier readings of the files this run reads again (same sha256): this
-- run's reading, and the rows it quarantines (inserted after), take their place.
-- reads: staged_files (registered)
update quarantine_rows
set resolved_in_run = $run_id
where resolved_in_run is null
    and source_sha256 in (select sha256 from staged_files)
