-- Current lines whose plan now pins another release than their credit key was priced with (the
-- roster or the plans changed): their new keys.
-- reads: line_pins (temp)
-- writes: run_rekeyed_lines (temp)
create or replace temp table run_rekeyed_lines as
with versions as (
    select * from claim_line_versions where is_current
),

keys as (
    select credit_key, pinned_release from credit_keys
),

pins as (
    select * from line_pins
),

final as (
    select
        versions.version_id,
        versions.service_date,
        coalesce(pins.release, '') as pinned_release,
        versions.cpt_code,
        versions.modifier_1,
        versions.modifier_2,
        versions.modifier_3,
        versions.modifier_4
    from versions
    inner join keys on versions.credit_key = keys.credit_key
    left join pins
        on versions.npi = pins.npi
            and versions.service_date between pins.effective_from and coalesce(pins.effective_to, date '9999-12-31')
    where keys.pinned_release <> coalesce(pins.release, '')
)

select * from final
