-- Staged text rows of one parsed PPRRVU file, cast to exact decimals.
insert into schedule_rows
select
    $release as release,
    cpt_code,
    modifier,
    description,
    status,
    nullif(not_used_for_medicare, '') as not_used_for_medicare,
    cast(work_rvu as decimal(9, 2)) as work_rvu,
    nullif(pctc_ind, '') as pctc_ind,
    nullif(global_days, '') as global_days,
    cast(nullif(pre_op, '') as decimal(5, 2)) as pre_op,
    cast(nullif(intra_op, '') as decimal(5, 2)) as intra_op,
    cast(nullif(post_op, '') as decimal(5, 2)) as post_op,
    nullif(mult_proc, '') as mult_proc,
    nullif(bilat_surg, '') as bilat_surg,
    nullif(asst_surg, '') as asst_surg,
    nullif(co_surg, '') as co_surg,
    nullif(team_surg, '') as team_surg,
    nullif(pric_ind, '') as pric_ind,
    nullif(endo_base, '') as endo_base,
    cast(nullif(conv_factor, '') as decimal(9, 4)) as conv_factor,
    nullif(phys_supervision, '') as phys_supervision,
    nullif(calc_flag, '') as calc_flag,
    nullif(diag_imaging_family, '') as diag_imaging_family,
    source_line
from staged_schedule_rows
