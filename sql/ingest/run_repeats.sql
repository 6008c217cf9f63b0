-- The lines of this run whose transaction_id comes more than once in the run (run_repeated_ids) or
-- has a current version already (the rest are new transactions: nothing to compare), each compared
-- with the version before it, in version order (earlier runs, then file and row): the same content
-- as the version it follows is a duplicate; different content is a new version (a correction when
-- there was one before). The last new version of a transaction becomes current. A file read again
-- (`--reprocess`: its sha256 was ingested before) is older than what came since: its line with the
-- content of any stored version of the transaction is a duplicate, so it never undoes a later correction.
-- reads: run_staged_lines (temp), staged_files and run_repeated_ids (registered)
-- writes: run_repeats (temp)
create or replace temp table run_repeats as
with staged as (
    select * from run_staged_lines
),

reread_files as (
    select file_seq from staged_files where sha256 in (select sha256 from ingest_files)
),

stored_versions as (
    select * exclude (file_id, source_row, run_id, superseded_in_run, credit_key, multiple_factor)
    from claim_line_versions
    where transaction_id in (select transaction_id from staged)
),

repeated as (
    -- a transaction with a stored version has a current one
    select transaction_id from run_repeated_ids
    union
    select transaction_id from stored_versions
),

line_versions as (
    -- this run's lines of repeated transactions and every stored version of those (file_seq null),
    -- with the content two versions are compared on
    select
        version_id,
        file_seq,
        transaction_id,
        coalesce(is_current, false) as is_current,
        struct_pack(
            claim_id, npi, service_date, post_date, cpt_code, modifier_1, modifier_2, modifier_3,
            modifier_4, units, patient_key, place_of_service, encounter_id, source_work_rvu, claim_status,
            performing_npi, unit_basis
        ) as content
    from (
        select * exclude (file_id, source_row, pinned_release)
        from staged
        where transaction_id in (select transaction_id from repeated)
        union all by name
        select * from stored_versions
    ) as versions
),

stored_contents as (
    select distinct transaction_id, content from line_versions where file_seq is null
),

sequenced as (
    -- this run's lines and the current versions they follow
    select version_id, file_seq, transaction_id, content
    from line_versions
    where file_seq is not null or is_current
),

compared as (
    select
        *,
        lag(content) over (partition by transaction_id order by version_id) as previous_content
    from sequenced
),

reread_duplicates as (
    select compared.version_id
    from compared
    inner join reread_files on compared.file_seq = reread_files.file_seq
    inner join stored_contents
        on compared.transaction_id = stored_contents.transaction_id
            and compared.content = stored_contents.content
),

classified as (
    select
        *,
        coalesce(content = previous_content, false)
        or version_id in (select version_id from reread_duplicates) as is_duplicate
    from compared
    where file_seq is not null  -- this run's lines; the current versions they follow only compare
),

final as (
    select
        version_id,
        file_seq,
        transaction_id,
        is_duplicate,
        not is_duplicate and previous_content is not null and content <> previous_content as supersedes,
        not is_duplicate
        and version_id = max(version_id) filter (where not is_duplicate) over (partition by transaction_id)
            as is_last
    from classified
)

select * from final
