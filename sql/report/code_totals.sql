-- Lines, net units and credited wRVUs per employee and code in the period: a statement's top codes
-- and the E/M visits of the level mix (net units, so that a voided visit is not counted).
-- reads: close_period_lines (temp)
select employee_id, cpt_code, count(*) as lines, sum(units) as units, sum(credited_wrvu) as wrvu
from close_period_lines
where employee_id is not null
group by employee_id, cpt_code
order by employee_id, cpt_code
