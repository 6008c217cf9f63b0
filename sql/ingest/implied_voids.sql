-- The versions an 837P claim implies for the current lines of its claim id that it leaves out: a
-- replacement (frequency 7) replaces the whole claim and a void (8) cancels it, so each such line is
-- stored again with no units, from the replacing claim's file and row (its first service line), its
-- implied_by saying why. Version ids follow the run's rows from $first_version_id.
-- reads: run_staged_lines (temp), run_file_ids (registered)
-- writes: run_staged_lines (temp)
insert into run_staged_lines by name
with claims as (
    -- the last claim of an id in the run decides (files in order)
    select file_seq, claim_id, claim_frequency, source_row
    from read_parquet($claim_files)
    qualify row_number() over (partition by claim_id order by file_seq desc, source_row desc) = 1
),

files as (
    select * from run_file_ids
),

in_run as (
    select distinct claim_id, transaction_id from run_staged_lines
),

left_out as (
    select versions.*, keys.pinned_release, claims.file_seq, claims.claim_frequency, claims.source_row as claim_row
    from claim_line_versions as versions
    inner join claims on versions.claim_id = claims.claim_id
    inner join credit_keys as keys on versions.credit_key = keys.credit_key
    where versions.is_current and versions.units <> 0
        and not exists (
            select 1 from in_run
            where in_run.claim_id = versions.claim_id and in_run.transaction_id = versions.transaction_id
        )
),

final as (
    select
        $first_version_id + row_number() over (order by left_out.file_seq, left_out.transaction_id) as version_id,
        left_out.transaction_id,
        left_out.claim_id,
        left_out.npi,
        left_out.service_date,
        left_out.post_date,
        left_out.cpt_code,
        left_out.modifier_1,
        left_out.modifier_2,
        left_out.modifier_3,
        left_out.modifier_4,
        0 as units,
        left_out.patient_key,
        left_out.place_of_service,
        left_out.encounter_id,
        left_out.source_work_rvu,
        left_out.claim_status,
        left_out.performing_npi,
        left_out.unit_basis,
        case left_out.claim_frequency when '8' then 'claim_void' else 'claim_replacement' end as implied_by,
        files.file_id,
        left_out.file_seq,
        left_out.claim_row as source_row,
        left_out.pinned_release
    from left_out
    inner join files on left_out.file_seq = files.file_seq
)

select * from final
