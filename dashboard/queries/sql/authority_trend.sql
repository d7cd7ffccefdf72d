-- one measure over time for an authority, its region, its neighbours' average and england
with own_region as (
    select region_code from ref_authority where gss_code = $code
)
select
    case level when 'authority' then 'authority' when 'neighbours' then 'neighbours'
               when 'region' then 'region' else 'england' end as series,
    period,
    value
from measure_value
where "window" = $window
  and measure = $measure
  and (
      (level in ('authority', 'neighbours') and code = $code)
      or (level = 'region' and code = (select region_code from own_region))
      or level = 'england'
  )
order by series, period
