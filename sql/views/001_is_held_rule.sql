-- The held reasons, defined once (docs/crediting.md section 8): a rule that holds its line, credited 0
-- because no schedule row prices it: no_schedule (no loaded release governs the date, or the pinned
-- one is not loaded), unknown_code (neither the governing release nor a custom row has the code),
-- invalid_modifier (26 or TC on a code without that row, or both). A rule starts with its row rule.
create or replace macro is_held_rule(rule) as
split_part(rule, '+', 1) in ('no_schedule', 'unknown_code', 'invalid_modifier')
