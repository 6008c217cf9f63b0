select release, effective_from, effective_to, row_count, source_name, source_sha256, loaded_at
from schedule_release_intervals
order by effective_from
