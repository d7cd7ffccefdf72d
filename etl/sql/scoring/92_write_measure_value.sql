-- Mart: measures at every level.
insert into measure_value (level, code, period, "window", measure, value, numerator, denominator, rank, percentile, lower95, upper95)
select level, code, period, "window", measure, value, numerator, denominator, rank, percentile, lower95, upper95
from scoring_measure_value
