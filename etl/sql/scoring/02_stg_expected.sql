-- Which authority owes which month: authorities valid in the period (ref_authority valid_from/valid_to).
-- due: the deadline has passed (as of $today), so a missing return counts against coverage.
create or replace temp table scoring_expected as
with valid as (
    select a.gss_code as authority_code, a.region_code, p.period
    from ref_authority as a
    join scoring_scope_period as p
      on (a.valid_from is null or a.valid_from <= p.period)
     and (a.valid_to is null or p.period <= a.valid_to)
),
deadlines as (
    select
        authority_code,
        region_code,
        period,
        cast(period + to_months(cast($deadline_months_after as integer))
             + to_days(cast($deadline_day as integer) - 1) as date) as deadline
    from valid
)
select authority_code, region_code, period, deadline, deadline < cast($today as date) as due
from deadlines
