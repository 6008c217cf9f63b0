-- Files of the run whose rows are not all accounted for (read <> accepted + quarantined + duplicate).
select source_file, rows_read, rows_accepted, rows_quarantined, rows_duplicate
from ingest_files
where run_id = $run_id and rows_read <> rows_accepted + rows_quarantined + rows_duplicate
