-- the funnel plot's control-limit curves
select population, lower95, upper95, lower998, upper998
from funnel_limit
where period = $period
  and measure = $measure
order by population
