-- The authority's flags in the period. Shared by `oversight explain` (etl/scoring/explain.py) and the
-- authority page (which masks a flag's value for a viewer not entitled to it).
select flag_type, measure, value, detail
from flag
where authority_code = $code
  and period = $period
order by flag_type, measure
