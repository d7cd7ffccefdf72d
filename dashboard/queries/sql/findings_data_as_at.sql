-- when the data was last loaded: the finish of the latest load run that completed
select
    max(finished_at) as loaded_at
from load_run
where finished_at is not null
