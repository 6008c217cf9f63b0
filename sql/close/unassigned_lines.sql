-- Lines of the period credited to an NPI with no roster row on their date of service.
select npi, count(*) as lines, sum(credited_wrvu) as wrvu
from claim_lines_current
where employee_id is null and period between $first_month and $last_month
group by npi
order by npi
