-- Current lines credited nothing because no schedule row could price them, by reason.
select split_part(rule, '+', 1) as reason, count(*) as lines
from claim_lines_current
where split_part(rule, '+', 1) in ('no_schedule', 'unknown_code', 'invalid_modifier')
group by reason
order by reason
