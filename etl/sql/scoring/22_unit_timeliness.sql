-- Timeliness of each month's return: the first usable (not rejected) submission for the authority and
-- period counts, so correcting a return after the deadline is not punished. Full marks by the
-- deadline, falling linearly to zero at $zero_at_days_late days late.
create or replace temp table scoring_timeliness as
with first_usable as (
    select authority_code, period,
           arg_min(submission_id, received_at) as submission_id,
           min(received_at) as received_at
    from submission
    where status <> 'rejected' and authority_code is not null and period is not null
    group by authority_code, period
),
scored as (
    select
        r.authority_code, r.period, e.deadline, f.submission_id, f.received_at,
        greatest(date_diff('day', e.deadline, cast(f.received_at as date)), 0) as days_late
    from scoring_return as r
    join scoring_expected as e using (authority_code, period)
    join first_usable as f using (authority_code, period)
)
select *, greatest(0.0, 1.0 - days_late / cast($zero_at_days_late as double)) as ratio
from scored
