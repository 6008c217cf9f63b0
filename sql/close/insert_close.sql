insert into close_revisions (period, revision, closed_at, out_dir, content_sha256, control_total_wrvu, manifest)
values ($period, $revision, $closed_at, $out_dir, $content_sha256, $control_total_wrvu, $manifest)
