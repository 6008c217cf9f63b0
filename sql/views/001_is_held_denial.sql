-- A line held because its claim was denied (credited 0, rule `denied`): its claim_status is `denied`
-- and the crediting policy's denied_claims is `hold` (the view denied_claims).
create or replace macro is_held_denial(claim_status, denied_claims) as
claim_status = 'denied' and denied_claims = 'hold'
