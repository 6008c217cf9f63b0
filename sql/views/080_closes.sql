-- Every close and revision of a period with its manifest (JSON).
create or replace view closes as
select period, revision, closed_at, out_dir, control_total_wrvu, content_sha256, manifest from close_revisions
