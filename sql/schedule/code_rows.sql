-- Every row (one per modifier) of a code in the given release.
select *
from fee_schedule
where release = $release and cpt_code = $cpt_code
order by modifier
