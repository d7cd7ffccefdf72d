-- one measure for every authority in a period and window, with its name and region
select
    a.gss_code as authority_code,
    a.name,
    a.region_name,
    m.value
from measure_value as m
join ref_authority as a on a.gss_code = m.code
where m.level = 'authority'
  and m.period = $period
  and m."window" = $window
  and m.measure = $measure
order by a.region_name, a.name
