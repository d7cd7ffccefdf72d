-- Mart: the explanation rows. Each month-level loss in its own month and in the 12 rolling windows
-- containing it, as points of the dimension (100 x loss / the window's denominator) and of the composite.
insert into scoring_staged_score_component (authority_code, period, "window", dimension, rule_id, points_lost, detail, fix,
                             submission_id, row_number, source_period, composite_points, config_version)
with placed as (
    select l.*, l.source_period as period, 'month' as "window"
    from scoring_loss as l
    union all
    select l.*, e.period, 'rolling12'
    from scoring_loss as l
    join scoring_expected as e
      on e.authority_code = l.authority_code
     and e.period >= l.source_period
     and e.period <= l.source_period + interval 11 months
),
pointed as (
    select p.*, 100.0 * p.loss / d.denominator as points_lost,
           100.0 * p.loss / d.denominator * w.weight / c.weight_available as composite_points
    from placed as p
    join scoring_score_dimension as d using (authority_code, period, "window", dimension)
    join scoring_score_composite as c using (authority_code, period, "window")
    join scoring_cfg_weight as w using (dimension)
    where d.denominator > 0
)
select
    authority_code, cast(period as date), "window", dimension, rule_id, points_lost,
    format('{}: +{} {} if {}', what, printf('%.1f', points_lost), replace(dimension, '_', ' '), gain) as detail,
    fix, submission_id, row_number, source_period, composite_points, $config_version
from pointed
where points_lost > 0
