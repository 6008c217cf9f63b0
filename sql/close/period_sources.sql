-- The extracts the period's lines came from.
-- reads: close_period_lines (temp)
select source_file, source_sha256, count(*) as lines
from close_period_lines
where employee_id is not null
group by source_file, source_sha256
order by source_file
