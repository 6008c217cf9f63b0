-- The current version of every accepted line: the columns of lines.csv, then lineage.
create or replace view claim_lines as
select
    * exclude (
        encounter_id, encounter_patient_key, encounter_date, share, is_line_credited, multiple_factor
    )
from claim_lines_current
