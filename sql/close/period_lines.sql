-- lines.csv: every credited line of the period attributed to a rostered employee.
-- reads: close_period_lines (temp)
select
    transaction_id, claim_id, npi, employee_id, service_date, post_date, period, cpt_code, modifiers, units,
    release, cms_work_rvu, factor, credited_wrvu, rule, source_file, source_row
from close_period_lines
where employee_id is not null
order by employee_id, service_date, transaction_id, version_id
