-- The period (YYYY-MM) of a line by the workspace's period basis.
create or replace macro line_period(service_date, post_date, period_basis) as
strftime(case when period_basis = 'post_date' then post_date else service_date end, '%Y-%m')
