-- a rate or share measure by region: its counts for an interval (a rate: concerns and children-years; a
-- share: the count out of the count)
select
    r.region_code,
    r.region_name,
    m.value,
    m.numerator,
    m.denominator
from ref_region as r
left join measure_value as m
    on m.code = r.region_code
   and m.level = 'region'
   and m.period = $period
   and m."window" = $window
   and m.measure = $measure
order by r.region_name
