-- The validated rows of config/custom_rvus.csv (text), typed.
-- reads: staged_custom_rvus (registered)
insert into custom_rvus
select
    cpt_code,
    modifier,
    cast(work_rvu as decimal(9, 2)) as work_rvu,
    cast(effective_from as date) as effective_from,
    cast(nullif(effective_to, '') as date) as effective_to,
    note,
    cast(source_row as integer) as source_row
from staged_custom_rvus
order by source_row
