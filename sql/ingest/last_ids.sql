-- The last file id and version id given (0 when none).
select
    (select coalesce(max(file_id), 0) from ingest_files) as file_id,
    (select coalesce(max(version_id), 0) from claim_line_versions) as version_id
