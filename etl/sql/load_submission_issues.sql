-- load_submission_issues: the stored issues of one submission, errors first, in row order.
select rule_id, severity, row_number, column_name, value, message, hint
from validation_issue
where submission_id = $submission_id
order by case severity when 'error' then 0 else 1 end, row_number nulls first, rule_id
