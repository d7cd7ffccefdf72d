-- returns_grid: the state of every return owed by each authority in each month from $start to $end.
-- state: accepted | queried | late | rejected | missing | not_due (no return yet, deadline not passed).
-- A return is late when its first loadable file arrived after the deadline (day $deadline_day of the
-- month $deadline_months after the period); a rejected file with no loadable version leaves the month 'rejected'.
with months as (
    select cast(generate_series as date) as period
    from generate_series(cast($start as date), cast($end as date), interval 1 month)
),
owed as (
    select a.gss_code as authority_code, a.name as authority_name, a.region_code, a.region_name, m.period
    from ref_authority as a
    cross join months as m
    where (a.valid_from is null or a.valid_from <= m.period)
      and (a.valid_to is null or a.valid_to >= m.period)
      and ($region is null or a.region_code = $region)
),
current_return as (
    select authority_code, period, status, version
    from submission
    where is_current and period between cast($start as date) and cast($end as date)
),
first_loadable as (
    select authority_code, period, min(received_at) as first_received_at
    from submission
    where status in ('accepted', 'queried', 'superseded')
      and period between cast($start as date) and cast($end as date)
    group by authority_code, period
),
rejected_files as (
    select authority_code, period, count(*) as rejected_files
    from submission
    where status = 'rejected' and period between cast($start as date) and cast($end as date)
    group by authority_code, period
),
joined as (
    select
        o.*,
        cast(o.period + to_months(cast($deadline_months as integer)) + to_days(cast($deadline_day as integer) - 1) as date) as deadline,
        c.status as return_status,
        c.version,
        f.first_received_at,
        coalesce(r.rejected_files, 0) as rejected_files
    from owed as o
    left join current_return as c using (authority_code, period)
    left join first_loadable as f using (authority_code, period)
    left join rejected_files as r using (authority_code, period)
)
select
    authority_code, authority_name, region_code, region_name, period, deadline,
    return_status, version, first_received_at, rejected_files,
    case
        when return_status in ('accepted', 'queried')
            then greatest(0, date_diff('day', deadline, cast(first_received_at as date)))
    end as days_late,
    case
        when return_status in ('accepted', 'queried') and cast(first_received_at as date) > deadline then 'late'
        when return_status in ('accepted', 'queried') then return_status
        when rejected_files > 0 then 'rejected'
        when deadline >= cast($today as date) then 'not_due'
        else 'missing'
    end as state
from joined
order by region_name, authority_name, period
