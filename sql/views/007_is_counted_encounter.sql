-- An encounter counts when its net units are positive, so a visit whose lines were all voided is not
-- counted. An encounter is a provider's visit id, or else patient + date of service (claim_lines_current:
-- encounter_id, encounter_patient_key, encounter_date); its net units are summed by
-- sql/close/employee_month_totals.sql and sql/ingest/insert_touched_periods.sql.
create or replace macro is_counted_encounter(net_units) as
net_units > 0
