-- Validity losses: one row per return and rule, pointing at the first affected row.
create or replace temp table scoring_loss_validity as
select
    authority_code, period as source_period, 'validity' as dimension, rule_id,
    points_scaled / 100.0 as loss,
    submission_id,
    case when first_row > 0 then first_row end as row_number,
    case when scope = 'row'
         then format('{} ({}): {} of {} rows in the return for {} (rows {})', what, rule_id, rows_affected, row_count, strftime(period, '%Y-%m'), row_list)
         else format('{} ({}) in the return for {}', what, rule_id, strftime(period, '%Y-%m')) end as what,
    'no repair was needed' as gain,
    fix
from scoring_validity_rule
where points_scaled > 0
