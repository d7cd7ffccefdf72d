create or replace temp table scoring_loss_coverage as
select
    authority_code, period as source_period, 'coverage' as dimension,
    case when rejected_submission_id is null then 'missing_return' else 'rejected_return' end as rule_id,
    1.0 as loss,
    rejected_submission_id as submission_id, cast(null as integer) as row_number,
    case when rejected_submission_id is null
         then format('No return was received for {} (due {})', strftime(period, '%Y-%m'), strftime(deadline, '%Y-%m-%d'))
         else format('The return for {} ({}) was rejected and not replaced', strftime(period, '%Y-%m'), rejected_file) end as what,
    case when rejected_submission_id is null then 'submitted' else 'corrected and resubmitted' end as gain,
    case when rejected_submission_id is null
         then 'Send the missing return (a nil return with total 0 if there were no concerns)'
         else 'Fix the errors listed for the rejected file (oversight validate FILE) and resubmit it' end as fix
from scoring_coverage
where not received
