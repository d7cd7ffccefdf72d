-- Mart: measures at every level.
insert into measure_value (level, code, period, "window", measure, value, numerator, denominator, rank, percentile)
select level, code, period, "window", measure, value, numerator, denominator, rank, percentile
from scoring_measure_value
