-- Net units of each encounter per provider, employee, plan and period: an encounter counts when its
-- net units are positive, so a visit whose lines were all voided is not counted.
create or replace view encounter_units as
select npi, employee_id, plan_id, period, encounter_id, encounter_patient_key, encounter_date, sum(units) as net_units
from claim_lines_current
group by npi, employee_id, plan_id, period, encounter_id, encounter_patient_key, encounter_date
