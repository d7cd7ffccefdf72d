-- load_known_submissions: every stored submission, with what the loader needs to place a new file
-- (digest for idempotency, version chain per authority and period, issue count for reporting).
with issue_counts as (
    select submission_id, count(*) as issue_count
    from validation_issue
    group by submission_id
)
select
    s.submission_id,
    s.sha256,
    s.authority_code,
    s.period,
    s.received_at,
    s.version,
    s.is_current,
    s.status,
    coalesce(s.validation_status, case when s.status = 'superseded' then 'accepted' else s.status end)
        as validation_status,
    cast(coalesce(i.issue_count, 0) as integer) as issue_count
from submission as s
left join issue_counts as i using (submission_id)
order by s.submission_id
