-- config/custom_rvus.csv as of the last run: work RVUs that win over CMS for the dates they cover.
-- modifier '' is the plain code; effective_to null is open; source_row is the line of the file.
create table if not exists custom_rvus (
    cpt_code              varchar not null,
    modifier              varchar not null,
    work_rvu              decimal(9, 2) not null,
    effective_from        date not null,
    effective_to          date,
    note                  varchar not null,
    source_row            integer not null
)
