-- one authority's flags raised in the months from $start to $end (the window chosen), newest first
select
    f.period,
    f.flag_type,
    f.measure,
    f.value,
    f.detail
from flag as f
where f.authority_code = $code
  and f.period between $start and $end
order by f.period desc, f.flag_type
