-- Every loaded CMS row with the interval of dates of service its release governs.
create or replace view fee_schedule as
with releases as (
    select * from schedule_release_intervals
),

cms_rows as (
    select * from schedule_rows
),

final as (
    select
        releases.release,
        releases.effective_from,
        releases.effective_to,
        cms_rows.cpt_code,
        cms_rows.modifier,
        cms_rows.status,
        cms_rows.work_rvu,
        cms_rows.pctc_ind,
        cms_rows.global_days,
        cms_rows.pre_op,
        cms_rows.intra_op,
        cms_rows.post_op,
        cms_rows.mult_proc,
        cms_rows.bilat_surg,
        cms_rows.asst_surg,
        cms_rows.co_surg,
        cms_rows.team_surg,
        cms_rows.pric_ind,
        cms_rows.endo_base,
        cms_rows.conv_factor,
        cms_rows.phys_supervision,
        cms_rows.calc_flag,
        cms_rows.diag_imaging_family,
        cms_rows.not_used_for_medicare,
        cms_rows.description,
        releases.source_name,
        releases.source_sha256,
        cms_rows.source_line
    from cms_rows
    inner join releases on cms_rows.release = releases.release
)

select * from final
