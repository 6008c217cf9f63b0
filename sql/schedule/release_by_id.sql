select release, effective_from, source_name, source_sha256, content_sha256
from schedule_releases
where release = $release
