-- why the authority lost points: one row per cause, largest loss of composite points first
select
    c.dimension,
    c.rule_id,
    c.points_lost,
    c.composite_points,
    c.detail,
    c.fix,
    c.source_period,
    s.file_name,
    c.row_number
from score_component as c
left join submission as s on s.submission_id = c.submission_id
where c.authority_code = $code
  and c.period = $period
  and c."window" = $window
order by c.composite_points desc nulls last, c.points_lost desc, c.dimension, c.rule_id
