-- every measure for each authority of a region (long; the query module pivots it)
with members as (
    select gss_code, name
    from ref_authority
    where region_code = $region
)
select
    m.code as authority_code,
    a.name,
    m.measure,
    m.value,
    m.rank
from measure_value as m
join members as a on a.gss_code = m.code
where m.level = 'authority'
  and m.period = $period
  and m."window" = $window
order by a.name, m.measure
