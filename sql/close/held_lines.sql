-- Lines of the period credited nothing because no schedule row priced them, per NPI.
select npi, count(*) as lines
from close_period_lines
where split_part(rule, '+', 1) in ('no_schedule', 'unknown_code', 'invalid_modifier')
group by npi
