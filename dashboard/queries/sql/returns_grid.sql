-- returns_grid: the state of every return owed by each authority in each month from $start to $end, from
-- return_owed (written by the scoring with the deadline settings it scored with; `oversight status` reads
-- the same table). state: accepted | queried | late | rejected | missing | not_due. A month with no
-- loadable file is judged against $today here (not_due until its deadline has passed), so the page can
-- be asked "as of" a date.
select
    o.authority_code, a.name as authority_name, a.region_code, a.region_name, o.period, o.deadline,
    o.return_status, o.version, o.first_received_at, o.rejected_files, o.days_late,
    case
        when o.state in ('missing', 'not_due') and o.deadline >= cast($today as date) then 'not_due'
        when o.state in ('missing', 'not_due') then 'missing'
        else o.state
    end as state
from return_owed as o
join ref_authority as a on a.gss_code = o.authority_code
where o.period between cast($start as date) and cast($end as date)
  and ($region is null or a.region_code = $region)
order by a.region_name, a.name, o.period
