-- the authority's score on every dimension in a period and window
select dimension, score, band
from score
where authority_code = $code
  and period = $period
  and "window" = $window
