-- The credit keys of a clinician's log lines (log_lines: each line's date of service, the release its
-- plan pins or '', code and modifiers), numbered, to price them as wrvu would credit them on each date.
-- reads: log_lines (registered)
-- writes: log_credit_keys (temp)
create or replace temp table log_credit_keys as
with keys as (
    select distinct service_date, pinned_release, cpt_code, modifier_1, modifier_2, modifier_3, modifier_4
    from log_lines
),

final as (
    select
        row_number() over (
            order by service_date, pinned_release, cpt_code, modifier_1, modifier_2, modifier_3, modifier_4
        ) as credit_key,
        *
    from keys
)

select * from final
