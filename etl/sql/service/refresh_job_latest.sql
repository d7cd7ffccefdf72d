select * from refresh_job order by job_id desc limit 1
