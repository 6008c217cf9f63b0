insert into close_lines
select $close_period, $revision, period, employee_id, transaction_id, version_id, units, credited_wrvu
from claim_lines_current
where employee_id is not null and period between $first_month and $last_month
