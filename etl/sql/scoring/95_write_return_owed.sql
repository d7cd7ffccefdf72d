-- Mart: the one record of which returns are owed, their deadline and their state (issue 8), read by
-- `oversight status`, the Returns page and the chase list. Same rules as coverage and timeliness:
-- a month is owed from the calendar (scoring_expected); a return is late when its first loadable
-- version arrived after the deadline; a month whose files were all rejected is 'rejected'.
insert into scoring_staged_return_owed (authority_code, period, deadline, due, state, return_status, submission_id, version,
                         first_received_at, days_late, rejected_files, config_version)
with first_loadable as (
    select authority_code, period, min(received_at) as first_received_at
    from submission
    where status in ('accepted', 'queried', 'superseded') and authority_code is not null and period is not null
    group by authority_code, period
),
rejected as (
    select authority_code, period, count(*) as rejected_files
    from submission
    where status = 'rejected' and authority_code is not null and period is not null
    group by authority_code, period
),
joined as (
    select e.authority_code, e.period, e.deadline, e.due,
           r.status as return_status, r.submission_id, s.version, f.first_received_at,
           coalesce(j.rejected_files, 0) as rejected_files
    from scoring_expected as e
    left join scoring_return as r using (authority_code, period)
    left join submission as s on s.submission_id = r.submission_id
    left join first_loadable as f using (authority_code, period)
    left join rejected as j using (authority_code, period)
)
select authority_code, period, deadline, due,
       case
           when return_status is not null and cast(first_received_at as date) > deadline then 'late'
           when return_status is not null then return_status
           when rejected_files > 0 then 'rejected'
           when not due then 'not_due'
           else 'missing'
       end,
       return_status, submission_id, version, first_received_at,
       case when return_status is not null then cast(greatest(0, date_diff('day', deadline, cast(first_received_at as date))) as integer) end,
       rejected_files, $config_version
from joined
