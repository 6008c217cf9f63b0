-- A credited clinician's credit for a line (claim_lines_current, and every re-pricing of it): its key's
-- price times the clinician's share of team-based care and its multiple-procedure factor, 0 where the
-- key does not credit or the line is not credited whatever its price (is_line_credited: a held denial,
-- anesthesia minutes).
create or replace macro line_shared_credit(
    is_key_credited, is_line_credited, cms_work_rvu, key_factor, share, multiple_factor, units
) as
line_credited_wrvu(
    is_key_credited and is_line_credited, cms_work_rvu, line_factor(key_factor * share, multiple_factor), units
)
