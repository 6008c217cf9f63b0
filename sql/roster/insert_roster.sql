insert into roster
select npi, employee_id, provider_name, specialty, plan_id, fte, effective_from, effective_to
from staged_roster
