insert into schedule_releases
(release, effective_from, source_name, source_sha256, content_sha256, file_format, released_on, row_count, loaded_at)
values
(
    $release, $effective_from, $source_name, $source_sha256, $content_sha256, $file_format, $released_on, $row_count,
    current_localtimestamp()
)
