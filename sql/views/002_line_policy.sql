-- The crediting policy that acts where a line's credit is read rather than on its key, as one row
-- (stored by each ingest in workspace_settings): denied_claims (credit or hold) and the attribution
-- shares of team-based care (docs/crediting.md, section 7b). Absent settings are the defaults.
create or replace view line_policy as
with settings as (
    select name, value from workspace_settings
),

final as (
    select
        coalesce(max(value) filter (where name = 'denied_claims'), 'credit') as denied_claims,
        cast(coalesce(max(value) filter (where name = 'split_shared_billed'), '1') as decimal(9, 8))
            as split_shared_billed,
        cast(coalesce(max(value) filter (where name = 'split_shared_performing'), '0') as decimal(9, 8))
            as split_shared_performing,
        cast(coalesce(max(value) filter (where name = 'incident_to_billed'), '1') as decimal(9, 8))
            as incident_to_billed,
        cast(coalesce(max(value) filter (where name = 'incident_to_performing'), '0') as decimal(9, 8))
            as incident_to_performing,
        cast(coalesce(max(value) filter (where name = 'teaching'), '1') as decimal(9, 8)) as teaching
    from settings
)

select * from final
