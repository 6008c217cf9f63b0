-- The release a plan pins (schedule_basis: RVU20D) for a clinician's dates of service.
-- reads: staged_plan_pins (registered)
-- writes: line_pins (temp)
create or replace temp view line_pins as
select roster.npi, roster.effective_from, roster.effective_to, staged_plan_pins.release
from roster
inner join staged_plan_pins on roster.plan_id = staged_plan_pins.plan_id
