-- The workspace's period basis (service_date unless wrvu.yaml says post_date), as one row.
create or replace view period_basis as
select coalesce(max(value) filter (where name = 'period_basis'), 'service_date') as period_basis
from workspace_settings
