-- A line's factor: its credit key's modifier factors times its multiple-procedure factor, if any.
create or replace macro line_factor(key_factor, multiple_factor) as
cast(key_factor * coalesce(multiple_factor, 1) as decimal(18, 8))
