-- Coverage (DQMI): each month owed whose deadline has passed is one unit, scoring 1 when an accepted or
-- queried return is current for it. A month whose only submissions were rejected counts as missing.
create or replace temp table scoring_coverage as
with rejected as (
    select authority_code, period, arg_max(submission_id, received_at) as rejected_submission_id,
           arg_max(file_name, received_at) as rejected_file
    from submission
    where status = 'rejected' and authority_code is not null and period is not null
    group by authority_code, period
)
select
    e.authority_code, e.period, e.deadline,
    r.submission_id is not null as received,
    j.rejected_submission_id, j.rejected_file
from scoring_expected as e
left join scoring_return as r using (authority_code, period)
left join rejected as j using (authority_code, period)
where e.due or r.submission_id is not null
