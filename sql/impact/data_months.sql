-- The first and the latest month (period, by the workspace's period basis) with lines of rostered
-- clinicians: the window of `wrvu schedule impact` ends at the latest and starts no earlier than the
-- first; null when there are none.
select min(period) as first_month, max(period) as last_month
from claim_lines_current
where employee_id is not null
