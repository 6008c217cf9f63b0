-- The first free file id and version id.
select
    (select coalesce(max(file_id), 0) + 1 from ingest_files) as file_id,
    (select coalesce(max(version_id), 0) + 1 from claim_line_versions) as version_id
