-- the counts behind the observed-practice shares at every level, for the disclosure pattern: each share
-- is numerator out of denominator (etl/sql/scoring/26_stg_practice_observed.sql)
select
    m.level,
    m.code,
    m.period,
    m."window",
    m.measure,
    m.numerator,
    m.denominator
from measure_value as m
where m.level in ('authority', 'region', 'england')
  and starts_with(m.measure, 'share_')
