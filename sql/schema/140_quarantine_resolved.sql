-- The run that read a quarantined row's file again (`wrvu ingest --reprocess`); null while the row
-- is outstanding. A row still invalid then is quarantined again by that run.
alter table quarantine_rows add column if not exists resolved_in_run varchar
