-- A line's rule: its credit key's rule, then its multiple-procedure rank (multiple_1.0, multiple_0.5).
create or replace macro line_rule(key_rule, multiple_factor) as
concat_ws('+', key_rule, 'multiple_' || cast(multiple_factor as decimal(2, 1)))
