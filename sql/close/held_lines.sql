-- Lines of the period credited nothing because no schedule row priced them, per NPI.
-- reads: close_period_lines (temp)
select npi, count(*) as lines
from close_period_lines
where is_held_rule(rule)
group by npi
