-- This run's accepted lines as staged ($accepted_files, globs of their Parquet parts), renamed to the
-- warehouse's names, with their version id (the file's version offset + its row), the file id, and the
-- release a plan pins for the line ('' for none).
-- reads: run_file_ids (registered), line_pins (temp)
-- writes: run_staged_lines (temp)
create or replace temp table run_staged_lines as
with staged as (
    select * from read_parquet($accepted_files)
),

files as (
    select * from run_file_ids
),

pins as (
    select * from line_pins
),

final as (
    select
        files.version_offset + staged.source_row as version_id,
        staged.transaction_id,
        staged.claim_id,
        staged.rendering_npi as npi,
        staged.service_date,
        staged.post_date,
        staged.cpt_code,
        staged.modifier_1,
        staged.modifier_2,
        staged.modifier_3,
        staged.modifier_4,
        staged.units,
        staged.patient_key,
        staged.place_of_service,
        staged.encounter_id,
        staged.source_work_rvu,
        staged.claim_status,
        staged.performing_npi,
        staged.unit_basis,
        cast(null as varchar) as implied_by,
        files.file_id,
        staged.file_seq,
        staged.source_row,
        coalesce(pins.release, '') as pinned_release
    from staged
    inner join files on staged.file_seq = files.file_seq
    left join pins
        on staged.rendering_npi = pins.npi
            and staged.service_date between pins.effective_from and coalesce(pins.effective_to, date '9999-12-31')
)

select * from final
