-- every return file received from the authority, newest month first, with its issue counts
with issues as (
    select
        submission_id,
        count(*) filter (where severity = 'error')::integer as errors,
        count(*) filter (where severity = 'query')::integer as queries
    from validation_issue
    group by submission_id
)
select
    s.submission_id,
    s.period,
    s.file_name,
    s.received_at,
    s.version,
    s.status,
    s.is_current,
    coalesce(i.errors, 0) as errors,
    coalesce(i.queries, 0) as queries
from submission as s
left join issues as i using (submission_id)
where s.authority_code = $code
order by s.period desc nulls last, s.received_at desc
