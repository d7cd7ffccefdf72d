create or replace temp table scoring_loss_timeliness as
select
    authority_code, period as source_period, 'timeliness' as dimension, 'late' as rule_id,
    1.0 - ratio as loss, submission_id, cast(null as integer) as row_number,
    format('The return for {} arrived on {}, {} {} after the deadline of {}',
           strftime(period, '%Y-%m'), strftime(received_at, '%Y-%m-%d'), days_late,
           case when days_late = 1 then 'day' else 'days' end, strftime(deadline, '%Y-%m-%d')) as what,
    'submitted by the deadline' as gain,
    format('Submit each month''s return by the {}th of the following month', cast($deadline_day as integer)) as fix
from scoring_timeliness
where ratio < 1.0
