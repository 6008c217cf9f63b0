-- Layout 3: a line keeps the wRVU its billing system printed for it (source_work_rvu, for the close's
-- source_rvu_reconciliation.csv) and its claim's status (claim_status: paid, denied, pending, adjusted,
-- '' when the extract says nothing; denied_claims: hold credits a denied line 0), and a version an 837P
-- claim implies for a line it leaves out says so (implied_by: 'claim_replacement' or 'claim_void'; null
-- for a row of an extract).
alter table claim_line_versions add column source_work_rvu decimal(18, 4);
alter table claim_line_versions add column claim_status varchar default '';
alter table claim_line_versions add column implied_by varchar;
-- and who performed it, when not the rendering (billed) clinician: team-based care shares its credit
alter table claim_line_versions add column performing_npi varchar default '';
-- and what its units count: '' or UN service units, MJ anesthesia minutes (credited 0, minutes kept)
alter table claim_line_versions add column unit_basis varchar default '';
