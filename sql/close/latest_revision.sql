select period, revision, closed_at, out_dir, content_sha256
from close_revisions
where period = $period
order by revision desc
limit 1
