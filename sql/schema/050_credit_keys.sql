-- How lines are priced, once per credit key: what a line's credit depends on besides its units (date
-- of service, the release a plan pins or '', code, modifiers), with the schedule row, factor, rule and
-- flags of the schedule and policy in force when it was priced. Repriced when they change.
create table if not exists credit_keys (
    credit_key            integer not null,
    service_date          date not null,
    pinned_release        varchar not null,
    cpt_code              varchar not null,
    modifier_1            varchar not null,
    modifier_2            varchar not null,
    modifier_3            varchar not null,
    modifier_4            varchar not null,
    release               varchar,
    cms_work_rvu          decimal(9, 2),
    factor                decimal(18, 8),
    rule                  varchar not null,
    flags                 varchar not null,
    source_line           integer,
    is_credited           boolean not null,
    mult_proc             varchar,
    schedule_modifier     varchar
)
