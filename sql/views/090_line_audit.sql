-- Every current line with what explains its credit, for a disputed number: the extract, row, sha256
-- and run it came from; the fee schedule release, the sha256 of that release's file and its line
-- that priced it; the rule, factor and flags; and the closes (and revisions) that paid it.
create or replace view line_audit as
with lines as (
    select * from claim_lines
),

releases as (
    select release, source_name as release_source, source_sha256 as release_sha256 from schedule_releases
),

paid as (
    select version_id, string_agg(close_period || ' rev ' || revision, ', ' order by close_period, revision) as paid_in
    from close_lines
    group by version_id
),

final as (
    select
        lines.employee_id,
        lines.npi,
        lines.period,
        lines.service_date,
        lines.transaction_id,
        lines.claim_id,
        lines.cpt_code,
        lines.modifiers,
        lines.units,
        lines.credited_wrvu,
        lines.cms_work_rvu,
        lines.factor,
        lines.rule,
        lines.flags,
        lines.release,
        releases.release_source,
        releases.release_sha256,
        lines.schedule_source_line,
        lines.source_file,
        lines.source_row,
        lines.source_sha256,
        lines.run_id,
        lines.version_id,
        paid.paid_in
    from lines
    left join releases on lines.release = releases.release
    left join paid on lines.version_id = paid.version_id
)

select * from final
