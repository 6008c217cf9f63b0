-- Rows rejected by validation, with the reason and the raw row (patient id replaced by its hash);
-- resolved_in_run is the run that read the row's file again (null while outstanding).
create or replace view quarantine as
select source_file, source_row, field, reason, raw_row, run_id, source_sha256, service_date, post_date, resolved_in_run
from quarantine_rows
