-- The staged Parquet files of this run's accepted lines, read by the run_staged view.
set variable run_accepted_files = $accepted_files
