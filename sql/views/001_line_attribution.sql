-- Team-based care (docs/crediting.md, section 7b): which sharing a line's modifiers and performing NPI
-- call for. `split_shared`: modifier FS with a performing clinician of its own; `incident_to`: a
-- performing clinician of its own without FS; '' otherwise (the billed clinician's alone).
create or replace macro line_attribution(npi, performing_npi, modifier_1, modifier_2, modifier_3, modifier_4) as
case
    when performing_npi = '' or performing_npi = npi then ''
    when 'FS' in (modifier_1, modifier_2, modifier_3, modifier_4) then 'split_shared'
    else 'incident_to'
end
