-- One row per extract per run: rows_read = rows_accepted + rows_quarantined + rows_duplicate.
create or replace view ingest_runs as
select
    run_id, source_file, sha256, started_at, rows_read, rows_accepted, rows_quarantined,
    rows_duplicate, rows_superseded, wrvu_added, column_map, finished_at
from ingest_files
