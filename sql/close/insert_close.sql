insert into close_revisions (period, revision, closed_at, out_dir, content_sha256, control_total_wrvu, manifest)
values ($period, $revision, current_localtimestamp(), $out_dir, $content_sha256, $control_total_wrvu, $manifest)
