-- Why an authority lost points in a period and window: one row per cause, the largest loss of composite
-- points first. The one query behind `oversight explain` (etl/scoring/explain.py) and the authority
-- page's "Its score explained" (dashboard/queries/authority.py).
select
    c.dimension,
    c.rule_id,
    c.points_lost,
    c.composite_points,
    c.detail,
    c.fix,
    c.submission_id,
    s.file_name,
    c.row_number,
    c.source_period
from score_component as c
left join submission as s on s.submission_id = c.submission_id
where c.authority_code = $code
  and c.period = $period
  and c."window" = $window
order by c.composite_points desc nulls last, c.points_lost desc, c.dimension, c.rule_id, c.source_period
