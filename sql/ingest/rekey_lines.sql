-- Point the rekeyed lines at their new credit keys.
-- reads: run_rekeyed_lines (temp)
update claim_line_versions
set credit_key = rekeyed.credit_key
from (
    select lines.version_id, keys.credit_key
    from run_rekeyed_lines as lines
    inner join
        credit_keys as keys
        using (service_date, pinned_release, cpt_code, modifier_1, modifier_2, modifier_3, modifier_4)
) as rekeyed
where claim_line_versions.version_id = rekeyed.version_id
