-- returns_issues: validation issues of returns for periods $start..$end, optionally one rule,
-- severity and region; newest period first. Rejected files are included (their issues say why).
select
    s.period,
    s.authority_code,
    coalesce(a.name, s.authority_code, '(unknown authority)') as authority_name,
    a.region_name,
    s.file_name,
    s.status as return_status,
    i.rule_id,
    i.severity,
    i.row_number,
    i.column_name,
    i.value,
    i.message,
    i.hint
from validation_issue as i
join submission as s using (submission_id)
left join ref_authority as a on a.gss_code = s.authority_code
where s.period between cast($start as date) and cast($end as date)
  and ($rule is null or i.rule_id = $rule)
  and ($severity is null or i.severity = $severity)
  and ($region is null or a.region_code = $region)
order by s.period desc, authority_name, s.file_name, i.row_number nulls first, i.rule_id
limit $limit
