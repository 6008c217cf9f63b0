select count(*) as lines from claim_line_versions where is_current
