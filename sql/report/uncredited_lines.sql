-- The period's lines credited 0 per employee (held: no schedule row prices them; unpriced_status:
-- the row's status is not credited), for a statement to list: no patient identifier.
-- reads: close_period_lines (temp)
select employee_id, transaction_id, claim_id, service_date, cpt_code, modifiers, units, rule
from close_period_lines
where employee_id is not null and is_uncredited_rule(rule)
order by employee_id, service_date, transaction_id
