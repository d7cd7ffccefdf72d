-- each authority's composite band and its funnel flag, for the region table
select
    s.authority_code,
    s.band,
    f.flag as funnel_flag
from score as s
join ref_authority as a on a.gss_code = s.authority_code
left join funnel_point as f
    on f.authority_code = s.authority_code
   and f.period = s.period
   and f.measure = 'rate_total_per_10k'
where s.period = $period
  and s."window" = $window
  and s.dimension = 'composite'
  and a.region_code = $region
