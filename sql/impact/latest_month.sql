-- The latest month (period, by the workspace's period basis) with lines of rostered clinicians: the
-- window of `wrvu schedule impact` ends there; null when there are none.
select max(period) as last_month
from claim_lines_current
where employee_id is not null
