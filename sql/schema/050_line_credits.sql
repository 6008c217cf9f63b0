-- The credit of each line version under the schedule and policy in force when it was credited.
create table if not exists line_credits (
    version_id            bigint not null,
    release               varchar,
    cms_work_rvu          decimal(9, 2),
    factor                decimal(18, 8),
    credited_wrvu         decimal(18, 4) not null,
    rule                  varchar not null,
    flags                 varchar not null,
    source_line           integer
)
