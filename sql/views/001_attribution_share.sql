-- The share of a line's credit a clinician gets under the attribution policy (the view line_policy):
-- the billed (rendering) one's or the performing one's of a split/shared or incident-to line; a line
-- of one clinician is the billed one's whole.
create or replace macro attribution_share(
    attribution, is_billed, split_shared_billed, split_shared_performing, incident_to_billed, incident_to_performing
) as
case attribution
    when 'split_shared' then case when is_billed then split_shared_billed else split_shared_performing end
    when 'incident_to' then case when is_billed then incident_to_billed else incident_to_performing end
    else case when is_billed then 1 else 0 end
end
