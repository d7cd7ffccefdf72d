update refresh_job set finished_at = :finished_at, exit_code = :exit_code where job_id = :job_id
