create or replace temp table scoring_loss_practice as
select
    authority_code, period as source_period, 'practice' as dimension, 'practice.' || category as rule_id,
    share as loss, submission_id, source_row as row_number,
    case when declared is null then format('{} was not declared in the return for {}', category, strftime(period, '%Y-%m'))
         else format('{} was declared 0 (no) in the return for {}', category, strftime(period, '%Y-%m')) end as what,
    'adopted and declared 1' as gain,
    format('Adopt the practice {} and declare it as 1 in the practice section', category) as fix
from scoring_practice
where coalesce(declared, 0) = 0 and share > 0
