select source_file, rows_read, rows_accepted, rows_quarantined, rows_duplicate, rows_superseded, wrvu_added
from ingest_files
where run_id = $run_id
order by source_file
