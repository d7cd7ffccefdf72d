-- england's value of one measure
select value
from measure_value
where level = 'england'
  and period = $period
  and "window" = $window
  and measure = $measure
