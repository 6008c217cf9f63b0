-- What the recorded revisions of $period before $revision asked payroll to move, per employee and
-- plan: each revision asks only the difference from the ones before it (sum = the latest true-up).
select employee_id, plan_id, sum(amount) as amount
from close_payments
where period = $period and revision < $revision
group by employee_id, plan_id
