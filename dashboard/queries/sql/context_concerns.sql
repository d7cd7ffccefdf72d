-- each authority's concerns in the 12 months to the period and the months reported (from the funnel mart)
select f.authority_code, a.name, a.region_code, a.region_name, f.observed, f.months_reported
from funnel_point as f
join ref_authority as a on a.gss_code = f.authority_code
where f.period = $period
  and f.measure = $measure
order by f.authority_code
