-- Store the multiple-procedure factor of each ranked line (null where it does not rank).
-- reads: credit_multiple_factors (temp), run_ranked_lines (temp)
update claim_line_versions
set multiple_factor = ranked.multiple_factor
from (
    select lines.version_id, factors.multiple_factor
    from run_ranked_lines as lines
    left join credit_multiple_factors as factors on lines.version_id = factors.version_id
) as ranked
where claim_line_versions.version_id = ranked.version_id
    and claim_line_versions.multiple_factor is distinct from ranked.multiple_factor
