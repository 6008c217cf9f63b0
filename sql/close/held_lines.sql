-- Lines of the period credited nothing because no schedule row priced them, per NPI.
select npi, count(*) as lines
from claim_lines_current
where period between $first_month and $last_month
    and split_part(rule, '+', 1) in ('no_schedule', 'unknown_code', 'invalid_modifier')
group by npi
