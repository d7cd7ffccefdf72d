-- status_latest_period: the latest month owed (return_owed, written by the scoring) that is due or for
-- which a file has arrived: the month the national data team is collecting or chasing.
select max(period) as period
from return_owed
where due or state <> 'not_due'
