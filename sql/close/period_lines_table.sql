-- The current lines of the close's months, read once: the close's files and checks read them here.
-- writes: close_period_lines (temp)
create or replace temp table close_period_lines as
select * from claim_lines_current where period between $first_month and $last_month
