-- The crediting policy's denied_claims (credit unless crediting.yaml says hold), as one row: it acts
-- on each line's claim_status where the line's credit is read (claim_lines_current).
create or replace view denied_claims as
select coalesce(max(value) filter (where name = 'denied_claims'), 'credit') as denied_claims
from workspace_settings
