delete from line_credits where version_id in (select version_id from lines_to_credit)
