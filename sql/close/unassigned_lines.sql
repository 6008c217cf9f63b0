-- Lines of the period credited to an NPI with no roster row on their date of service.
-- reads: close_period_lines (temp)
select npi, count(*) as lines, sum(credited_wrvu) as wrvu
from close_period_lines
where employee_id is null
group by npi
order by npi
