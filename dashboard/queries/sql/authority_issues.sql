-- every validation issue in the authority's return files
select
    s.period,
    s.file_name,
    s.status as file_status,
    v.rule_id,
    v.severity,
    v.row_number,
    v.column_name,
    v.value,
    v.message,
    v.hint
from validation_issue as v
join submission as s using (submission_id)
where s.authority_code = $code
order by s.period desc nulls last, s.received_at desc, v.row_number nulls first, v.rule_id
