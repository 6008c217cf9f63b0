-- The current lines whose multiple-procedure rank this run can change: those of the providers,
-- patients and dates of service of its new and retired versions, or every current line ($all).
-- writes: run_ranked_lines (temp)
create or replace temp table run_ranked_lines as
with versions as (
    select * from claim_line_versions
),

touched as (
    select distinct npi, patient_key, service_date
    from versions
    where run_id = $run_id or superseded_in_run = $run_id
),

final as (
    select
        versions.version_id,
        versions.npi,
        versions.patient_key,
        versions.service_date,
        versions.cpt_code,
        versions.units,
        versions.credit_key
    from versions
    where versions.is_current and (
            $all or exists (
                select 1 from touched
                where touched.npi = versions.npi
                    and touched.patient_key = versions.patient_key
                    and touched.service_date = versions.service_date
            )
        )
)

select * from final
