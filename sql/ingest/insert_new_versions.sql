-- This run's new versions, each with its credit key; a duplicate is not stored, a version a later
-- one of the same run supersedes is stored retired.
-- reads: run_staged_lines (temp), run_repeats (temp)
insert into claim_line_versions by name
with staged as (
    select * from run_staged_lines
),

repeats as (
    select * from run_repeats
),

keys as (
    select * from credit_keys
),

final as (
    select
        staged.* exclude (file_seq, pinned_release),
        $run_id as run_id,
        coalesce(repeats.is_last, true) as is_current,
        case when not coalesce(repeats.is_last, true) then $run_id end as superseded_in_run,
        keys.credit_key,
        cast(null as decimal(2, 1)) as multiple_factor
    from staged
    inner join keys using (service_date, pinned_release, cpt_code, modifier_1, modifier_2, modifier_3, modifier_4)
    left join repeats on staged.version_id = repeats.version_id
    where not coalesce(repeats.is_duplicate, false)
)

select * from final
