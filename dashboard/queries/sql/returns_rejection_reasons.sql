-- returns_rejection_reasons: for one period, the distinct error messages of each authority's
-- rejected files (the reasons a chase list gives).
select
    s.authority_code,
    string_agg(distinct i.rule_id || ': ' || i.message, ' | ' order by i.rule_id || ': ' || i.message) as reasons
from submission as s
join validation_issue as i using (submission_id)
where s.status = 'rejected' and i.severity = 'error' and s.period = cast($period as date)
group by s.authority_code
