-- status_period_returns: per authority, what was received for $period: the current return (if any),
-- when its first loadable version arrived, and how many files were rejected.
with loadable as (
    select
        authority_code,
        max(case when is_current then status end) as current_status,
        max(case when is_current then version end) as current_version,
        min(received_at) as first_received_at
    from submission
    where period = $period and status in ('accepted', 'queried', 'superseded')
    group by authority_code
),
rejected as (
    select authority_code, count(*) as rejected_files, max(received_at) as last_rejected_at
    from submission
    where period = $period and status = 'rejected' and authority_code is not null
    group by authority_code
)
select
    coalesce(l.authority_code, r.authority_code) as authority_code,
    l.current_status,
    l.current_version,
    l.first_received_at,
    coalesce(r.rejected_files, 0) as rejected_files
from loadable as l
full outer join rejected as r on l.authority_code = r.authority_code
order by authority_code
