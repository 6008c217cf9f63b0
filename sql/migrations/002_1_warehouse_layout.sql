-- Layout 2: the warehouse records its layout version. One row per creation or upgrade; the current
-- layout is the highest version. A warehouse without this table is at layout 1 (sql/schema/ alone).
create table warehouse_layout (
    version               integer not null,
    upgraded_from         integer,
    upgraded_at           timestamp not null,
    software              varchar not null
)
