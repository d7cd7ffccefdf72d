-- The authority's observed-practice shares over the 12 months to the period (value, count, total, 95%
-- interval) beside England's: the table under the flags in `oversight explain`.
select a.measure, a.value, a.numerator, a.denominator, a.lower95, a.upper95, e.value
from measure_value as a
left join measure_value as e
  on e.level = 'england' and e.period = a.period and e."window" = a."window" and e.measure = a.measure
where a.level = 'authority' and a.code = $code and a.period = $period and a."window" = 'rolling12'
  and a.measure like 'share_%'
order by a.measure
