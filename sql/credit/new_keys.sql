-- The credit keys of {lines_table} not yet in credit_keys, numbered on from the last one. A key is
-- what a line's credit depends on besides its units: date of service, pinned release ('' for none),
-- code and modifiers; a few thousand keys price millions of lines.
-- reads: {lines_table} (temp: run_staged_lines or run_rekeyed_lines)
-- writes: credit_new_keys (temp)
create or replace temp table credit_new_keys as
with lines as (
    select * from {lines_table}
),

known as (
    select * from credit_keys
),

line_keys as (
    select distinct service_date, pinned_release, cpt_code, modifier_1, modifier_2, modifier_3, modifier_4
    from lines
),

fresh as (
    select line_keys.*
    from line_keys
    anti join known
        using (service_date, pinned_release, cpt_code, modifier_1, modifier_2, modifier_3, modifier_4)
),

final as (
    select
        (select coalesce(max(credit_key), 0) from known)
        + row_number() over (
            order by service_date, pinned_release, cpt_code, modifier_1, modifier_2, modifier_3, modifier_4
        ) as credit_key,
        *
    from fresh
)

select * from final
