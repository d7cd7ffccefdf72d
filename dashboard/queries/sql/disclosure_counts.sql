-- the counts behind the measures in $measures (the rates, and the observed-practice shares: numerator out
-- of denominator) at every level, for the disclosure pattern (all periods and windows), with whether an
-- authority's month had a loaded return (a month with none is known to be 0: the Returns page shows it
-- missing)
with reported as (
    select distinct authority_code, period
    from submission
    where is_current and status in ('accepted', 'queried')
)
select
    m.level,
    m.code,
    m.period,
    m."window",
    m.measure,
    m.numerator,
    m.denominator,
    (r.authority_code is not null) as reported
from measure_value as m
left join reported as r on m.level = 'authority' and r.authority_code = m.code and r.period = m.period
where m.level in ('authority', 'region', 'england')
  and list_contains($measures, m.measure)
