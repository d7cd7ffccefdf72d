-- returns_issue_counts: how often each validation rule fired in $start..$end (optionally one region),
-- with the number of files and authorities affected; most frequent first.
select
    i.rule_id,
    i.severity,
    count(*) as issues,
    count(distinct i.submission_id) as files,
    count(distinct s.authority_code) as authorities
from validation_issue as i
join submission as s using (submission_id)
left join ref_authority as a on a.gss_code = s.authority_code
where s.period between cast($start as date) and cast($end as date)
  and ($region is null or a.region_code = $region)
group by i.rule_id, i.severity
order by issues desc, i.rule_id
