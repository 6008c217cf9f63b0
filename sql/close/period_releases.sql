-- The fee schedule releases that priced the period's lines, with their files.
select distinct claim_lines_current.release, schedule_releases.source_name, schedule_releases.source_sha256
from claim_lines_current
inner join schedule_releases on claim_lines_current.release = schedule_releases.release
where claim_lines_current.employee_id is not null and claim_lines_current.period between $first_month and $last_month
order by claim_lines_current.release
