-- The extracts the period's lines came from.
select source_file, source_sha256, count(*) as lines
from claim_lines_current
where employee_id is not null and period between $first_month and $last_month
group by source_file, source_sha256
order by source_file
