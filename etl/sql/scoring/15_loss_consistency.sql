-- Internal consistency losses: one unit per failed check.
create or replace temp table scoring_loss_consistency as
select
    authority_code, period as source_period, 'internal_consistency' as dimension, rule_id,
    1.0 as loss, submission_id, first_row as row_number, what, 'corrected' as gain, fix
from scoring_consistency_check
where not passed
