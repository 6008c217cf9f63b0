-- The fee schedule releases that priced the period's lines, with their files.
-- reads: close_period_lines (temp)
select distinct close_period_lines.release, schedule_releases.source_name, schedule_releases.source_sha256
from close_period_lines
inner join schedule_releases on close_period_lines.release = schedule_releases.release
where close_period_lines.employee_id is not null
order by close_period_lines.release
