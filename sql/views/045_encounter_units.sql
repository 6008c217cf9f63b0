-- Net units, credited wRVUs and lines of each encounter per provider, employee, plan and period: the
-- encounters of ingest (provider_period) and of the close, counted by is_counted_encounter.
create or replace view encounter_units as
select
    npi,
    employee_id,
    plan_id,
    period,
    encounter_id,
    encounter_patient_key,
    encounter_date,
    sum(units) as net_units,
    sum(credited_wrvu) as wrvu,
    count(*) as lines
from claim_lines_current
group by npi, employee_id, plan_id, period, encounter_id, encounter_patient_key, encounter_date
