-- Every version loaded for one authority (its own history: the council is entitled to it), newest first.
select s.submission_id, s.file_name, s.sha256, s.received_at, s.period, s.version, s.status,
       s.is_current, s.validation_status,
       count(i.rule_id) filter (where i.severity = 'error') as errors,
       count(i.rule_id) filter (where i.severity = 'query') as queries
from submission s
left join validation_issue i on i.submission_id = s.submission_id
where s.authority_code = $authority_code
group by all
order by s.received_at desc, s.submission_id desc
limit 500
