-- Every loss (a cause of lost points) at month level, in the units of its dimension's denominator.
create or replace temp table scoring_loss as
select * from scoring_loss_completeness
union all by name select * from scoring_loss_validity
union all by name select * from scoring_loss_consistency
union all by name
select authority_code, source_period, 'cross_authority' as dimension, rule_id,
       loss, submission_id, row_number, what, 'reconciled' as gain, fix
from scoring_transfer_side
where loss > 0
union all by name select * from scoring_loss_timeliness
union all by name select * from scoring_loss_coverage
union all by name select * from scoring_loss_practice
