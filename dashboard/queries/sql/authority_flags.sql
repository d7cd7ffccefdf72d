-- the authority's flags in the period
select flag_type, measure, value, detail
from flag
where authority_code = $code
  and period = $period
order by flag_type
