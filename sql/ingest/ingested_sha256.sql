select source_file from ingest_files where sha256 = $sha256 limit 1
