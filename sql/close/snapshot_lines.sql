-- reads: close_period_lines (temp)
insert into close_lines
select $close_period, $revision, period, employee_id, transaction_id, version_id, units, credited_wrvu
from close_period_lines
where employee_id is not null
