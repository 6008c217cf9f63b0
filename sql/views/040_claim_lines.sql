-- The current version of every accepted line: the columns of lines.csv, then lineage.
create or replace view claim_lines as
select * exclude (encounter_id, encounter_patient_key, encounter_date) from claim_lines_current
