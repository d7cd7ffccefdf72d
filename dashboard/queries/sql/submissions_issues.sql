-- The issues the loader recorded for one of the authority's submissions.
select i.rule_id, i.severity, i.row_number, i.column_name, i.value, i.message, i.hint
from validation_issue i
join submission s on s.submission_id = i.submission_id
where s.sha256 = $sha256 and s.authority_code = $authority_code
order by i.severity, i.row_number nulls first, i.rule_id
