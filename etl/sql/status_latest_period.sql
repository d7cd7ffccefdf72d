-- status_latest_period: the latest period for which any return (loaded or rejected) was received.
select max(period) as period
from submission
where period is not null
