-- returns_load_runs: the most recent load runs, newest first.
select
    run_id, command, started_at, finished_at, status,
    files_seen, files_accepted, files_queried, files_rejected, files_unchanged, files_superseded, error,
    duration_s
from load_run
order by started_at desc, run_id desc
limit $limit
