-- status_period_returns: every authority owing a return for $period, with its deadline and state, from
-- return_owed (the one record the scoring writes; the dashboard's Returns page and chase list read it too).
select o.authority_code, a.name, o.state, o.return_status, o.deadline, o.first_received_at, o.rejected_files, o.days_late
from return_owed as o
join ref_authority as a on a.gss_code = o.authority_code
where o.period = $period
order by o.authority_code
