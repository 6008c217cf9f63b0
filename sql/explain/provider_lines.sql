-- The audited lines of one provider (by NPI or employee id) in the months of a period.
select *
from line_audit
where period between $first_month and $last_month and (npi = $who or employee_id = $who)
order by service_date, transaction_id, version_id
