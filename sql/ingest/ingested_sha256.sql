select source_file from ingest_files where sha256 = $sha256 order by file_id limit 1
