insert into quarantine_rows by name
select $run_id as run_id, source_file, source_sha256, source_row, field, reason, raw_row, service_date, post_date
from read_parquet($quarantine_files)
