-- one measure over time for every region (level 'region') or for england (level 'england')
select
    m.code,
    coalesce(r.region_name, 'England') as region_name,
    m.period,
    m.value
from measure_value as m
left join ref_region as r on r.region_code = m.code
where m.level = $level
  and m."window" = $window
  and m.measure = $measure
order by region_name, m.period
