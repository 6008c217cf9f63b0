-- multiple_procedure: cms (docs/crediting.md section 6): a provider's MULT PROC 2 procedures
-- for one patient and date of service, ranked by work RVU; the first is credited 100%, every other
-- 50%. A procedure is a code and its schedule row, so its charges and voids share one factor and a
-- void nets its charge; a procedure voided to no units does not rank. Lines are ranked against the
-- other lines of {lines_table} only, priced by their stored credit keys.
-- reads: {lines_table} (temp: run_ranked_lines)
-- writes: credit_multiple_factors (temp)
create or replace temp table credit_multiple_factors as
with lines as (
    select * from {lines_table}
),

prices as (
    select * from credit_keys
),

ranked_lines as (
    select lines.*, prices.cms_work_rvu, prices.schedule_modifier
    from lines
    inner join prices on lines.credit_key = prices.credit_key
    where $multiple_procedure = 'cms' and prices.is_credited and prices.mult_proc = '2'
),

procedures as (
    select
        npi,
        patient_key,
        service_date,
        cpt_code,
        schedule_modifier,
        sum(units) > 0 as is_performed,
        row_number() over (
            partition by npi, patient_key, service_date, sum(units) > 0
            order by max(cms_work_rvu) desc, cpt_code asc, schedule_modifier asc
        ) as procedure_rank
    from ranked_lines
    group by npi, patient_key, service_date, cpt_code, schedule_modifier
),

final as (
    select
        ranked_lines.version_id,
        cast(case when procedures.is_performed and procedures.procedure_rank = 1 then 1.0 else 0.5 end as decimal(2, 1))
            as multiple_factor
    from ranked_lines
    inner join procedures
        on ranked_lines.npi = procedures.npi
            and ranked_lines.patient_key = procedures.patient_key
            and ranked_lines.service_date = procedures.service_date
            and ranked_lines.cpt_code = procedures.cpt_code
            and ranked_lines.schedule_modifier = procedures.schedule_modifier
)

select * from final
