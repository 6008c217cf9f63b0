-- noqa: disable=LT05
-- Layout 2: every table says what it holds in the catalog, for `wrvu sql`:
--   select table_name, comment from duckdb_tables() order by table_name
comment on table warehouse_layout is 'The layout version of this warehouse: one row per creation or upgrade, the highest version is current.';
comment on table schedule_releases is 'One row per loaded CMS PPRRVU release: where it came from and the first date of service it governs.';
comment on table schedule_rows is 'The rows of each release as CMS wrote them: normalised codes, exact decimals, and the source line.';
comment on table custom_rvus is 'config/custom_rvus.csv as of the last run: work RVUs that win over CMS for the dates they cover.';
comment on table claim_line_versions is 'Every accepted version of every billing transaction; a correction adds a version and retires the one it supersedes. Patients only as a keyed hash.';
comment on table credit_keys is 'How lines are priced, once per credit key: the schedule row, factor, rule and flags in force when priced.';
comment on table quarantine_rows is 'Rows that failed validation: where they came from, the first failing field and why.';
comment on table ingest_files is 'One row per extract per run, with the row accounting: read = accepted + quarantined + duplicate.';
comment on table workspace_settings is 'Workspace settings the views depend on (period_basis), written by every writer from wrvu.yaml.';
comment on table roster is 'config/roster.csv as of the last run: who is paid under which plan, by date.';
comment on table provider_period_totals is 'provider_period, materialised at the end of each ingest.';
comment on table close_revisions is 'Every period close and restatement revision, with its manifest.';
comment on table close_lines is 'The lines each close paid on, so later closes can tell what changed since (restatements).';
comment on table close_payments is 'The pay and recover rows of each close revision, as payroll was asked to pay or recover them.'
