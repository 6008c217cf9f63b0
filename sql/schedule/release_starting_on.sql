select release, source_name
from schedule_releases
where effective_from = $effective_from and release <> $release
