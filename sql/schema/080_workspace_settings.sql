-- Workspace settings the views depend on (period_basis), written by every writer from wrvu.yaml.
create table if not exists workspace_settings (
    name                  varchar primary key,
    value                 varchar not null
)
