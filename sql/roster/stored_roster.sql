-- The roster as the last ingest or close stored it, which assigns the warehouse's lines to employees
-- and plans (claim_lines_current): `wrvu whatif` compares it with config/roster.csv.
select npi, employee_id, provider_name, specialty, plan_id, fte, effective_from, effective_to
from roster
order by npi, effective_from
