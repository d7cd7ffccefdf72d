-- a score measure by region: the mean of its authorities' scores (as measure_value holds it)
-- with what a t interval needs: the spread and number of authorities
with authority_level as (
    select a.region_code, m.value
    from measure_value as m
    join ref_authority as a on a.gss_code = m.code
    where m.level = 'authority'
      and m.period = $period
      and m."window" = $window
      and m.measure = $measure
      and m.value is not null
),
spread as (
    select region_code, stddev_samp(value) as sd, count(*)::integer as authorities
    from authority_level
    group by region_code
)
select
    r.region_code,
    r.region_name,
    m.value,
    s.sd,
    s.authorities
from ref_region as r
left join measure_value as m
    on m.code = r.region_code
   and m.level = 'region'
   and m.period = $period
   and m."window" = $window
   and m.measure = $measure
left join spread as s on s.region_code = r.region_code
order by r.region_name
