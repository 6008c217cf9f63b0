-- The release in force on a date of service.
select release, effective_from, effective_to
from schedule_release_intervals
where effective_from <= $service_date and (effective_to is null or $service_date <= effective_to)
