-- the counts behind one authority's rates (numerator concerns over denominator child-years), for intervals
select
    measure,
    numerator,
    denominator
from measure_value
where level = 'authority'
  and code = $code
  and period = $period
  and "window" = $window
  and measure like 'rate\_%' escape '\'
