insert into refresh_job (started_at, started_by, pid, log_path) values (:started_at, :started_by, :pid, :log_path)
