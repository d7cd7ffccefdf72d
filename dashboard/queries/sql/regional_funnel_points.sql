-- each authority's point on the funnel plot (rolling 12 months to the period)
select
    f.authority_code,
    a.name,
    a.region_code,
    a.region_name,
    f.observed,
    f.population,
    f.rate,
    f.target_rate,
    f.expected,
    f.z,
    f.lower95,
    f.upper95,
    f.lower998,
    f.upper998,
    f.flag,
    f.months_reported
from funnel_point as f
join ref_authority as a on a.gss_code = f.authority_code
where f.period = $period
  and f.measure = $measure
order by f.population
