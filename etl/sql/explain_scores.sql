-- The authority's score on every dimension in a period and window, with the scoring configuration that
-- made it. Shared by `oversight explain` (etl/scoring/explain.py) and the authority page.
select dimension, score, band, config_version
from score
where authority_code = $code
  and period = $period
  and "window" = $window
