-- Rows rejected by validation, with the reason and the raw row (patient id replaced by its hash).
create or replace view quarantine as
select source_file, source_row, field, reason, raw_row, run_id, source_sha256, service_date, post_date
from quarantine_rows
