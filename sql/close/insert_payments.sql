-- The pay and recover rows of the close being recorded (staged by commit_close).
insert into close_payments (period, revision, period_end, employee_id, plan_id, action, amount)
select $period, $revision, $period_end, employee_id, plan_id, action, amount
from staged_close_payments
