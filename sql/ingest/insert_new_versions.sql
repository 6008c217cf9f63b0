insert into claim_line_versions
select
    version_id,
    transaction_id,
    content_hash,
    claim_id,
    rendering_npi as npi,
    service_date,
    post_date,
    cpt_code,
    modifier_1,
    modifier_2,
    modifier_3,
    modifier_4,
    units,
    patient_hash,
    place_of_service,
    encounter_id,
    source_file,
    source_sha256,
    source_row,
    $run_id as run_id,
    is_last as is_current,
    case when is_last then null else $run_id end as superseded_in_run
from run_lines
where not is_duplicate
order by version_id
