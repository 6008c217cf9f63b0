-- The accepted lines of this run in file and row order, each compared with the version before it:
-- the same content as the version it follows is a duplicate; different content is a new version
-- (a correction when there was one before). The last new version of a transaction becomes current.
create or replace temp table run_lines as
with staged as (
    select
        *,
        md5(concat_ws(chr(31), transaction_id, claim_id, rendering_npi, service_date, post_date, cpt_code,
                      modifier_1, modifier_2, modifier_3, modifier_4, units, patient_hash, place_of_service,
                      encounter_id)) as content_hash
    from read_parquet($accepted_files)
),

prior as (
    select transaction_id, content_hash
    from claim_line_versions
    where is_current and transaction_id in (select transaction_id from staged)
),

sequenced as (
    select
        staged.*,
        coalesce(
            lag(staged.content_hash) over by_transaction,
            prior.content_hash
        ) as previous_content
    from staged
    left join prior on staged.transaction_id = prior.transaction_id
    window by_transaction as (partition by staged.transaction_id order by staged.file_seq, staged.source_row)
),

classified as (
    select
        *,
        coalesce(content_hash = previous_content, false) as is_duplicate,
        previous_content is not null and content_hash <> previous_content as supersedes
    from sequenced
),

numbered as (
    select
        *,
        (select coalesce(max(version_id), 0) from claim_line_versions)
            + row_number() over (order by file_seq, source_row) as version_id,
        row_number() over (partition by transaction_id order by file_seq desc, source_row desc) = 1 as is_last
    from classified
    where not is_duplicate
),

final as (
    select classified.*, numbered.version_id, coalesce(numbered.is_last, false) as is_last
    from classified
    left join numbered on classified.file_seq = numbered.file_seq and classified.source_row = numbered.source_row
)

select * from final
