insert into line_credits
select version_id, release, cms_work_rvu, factor, credited_wrvu, rule, flags, source_line
from run_credits
