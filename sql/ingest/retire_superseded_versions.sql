-- Current versions from earlier runs that this run's new versions supersede stay queryable, no longer current.
-- reads: run_repeats (temp)
update claim_line_versions
set is_current = false, superseded_in_run = $run_id
where is_current
    and run_id <> $run_id
    and transaction_id in (select transaction_id from run_repeats where not is_duplicate)
