-- Mart: the explanation rows.
insert into score_component (authority_code, period, "window", dimension, rule_id, points_lost, detail, fix,
                             submission_id, row_number, source_period, composite_points, config_version)
select authority_code, cast(period as date), "window", dimension, rule_id, points_lost, detail, fix,
       submission_id, row_number, source_period, composite_points, $config_version
from scoring_component
