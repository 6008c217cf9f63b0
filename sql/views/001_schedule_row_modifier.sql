-- The modifier whose own schedule row prices a line (docs/crediting.md section 2): 26, TC or 53, else ''
-- (the plain row). A line with both 26 and TC has no row (`has_both_components`).
create or replace macro schedule_row_modifier(m1, m2, m3, m4) as
case
    when '26' in (m1, m2, m3, m4) then '26'
    when 'TC' in (m1, m2, m3, m4) then 'TC'
    when '53' in (m1, m2, m3, m4) then '53'
    else ''
end
