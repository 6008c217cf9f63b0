-- A line's credit: work RVU x factor x units, rounded half away from zero to 4 decimals, so that a
-- void exactly negates its charge; 0 where the key is held or its status is not credited.
create or replace macro line_credited_wrvu(is_credited, cms_work_rvu, factor, units) as
case
    when is_credited then cast(round(cms_work_rvu * factor * units, 4) as decimal(18, 4))
    else cast(0 as decimal(18, 4))
end
