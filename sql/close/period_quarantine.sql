-- Outstanding rejected rows touching the period: by service or post date, or, where neither date
-- could be read, by the day they were ingested (a file read again resolves its earlier rows).
select quarantine_rows.source_file, quarantine_rows.source_row, quarantine_rows.field, quarantine_rows.reason
from quarantine_rows
left join ingest_files
    on quarantine_rows.run_id = ingest_files.run_id and quarantine_rows.source_sha256 = ingest_files.sha256
where quarantine_rows.resolved_in_run is null
    and (
        quarantine_rows.service_date between $start and $end
        or quarantine_rows.post_date between $start and $end
        or (
            quarantine_rows.service_date is null and quarantine_rows.post_date is null
            and cast(ingest_files.started_at as date) between $start and $end
        )
    )
order by quarantine_rows.source_file, quarantine_rows.source_row
