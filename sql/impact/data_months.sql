-- The first and the latest month (period, by the workspace's period basis) with lines of rostered
-- clinicians, of the months over before $this_month (the month of today, whose lines are still coming
-- in): the window of `wrvu schedule impact` ends at the latest and starts no earlier than the first;
-- null when there are none.
select min(period) as first_month, max(period) as last_month
from claim_lines_current
where employee_id is not null and period < $this_month
