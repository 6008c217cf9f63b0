-- A line billed with both 26 and TC: no schedule row prices it (docs/crediting.md section 2).
create or replace macro has_both_components(m1, m2, m3, m4) as
'26' in (m1, m2, m3, m4) and 'TC' in (m1, m2, m3, m4)
