-- The periods in scope, from the calendar: from the earliest month with an accepted or queried return
-- (current or since superseded) to the later of the latest such month and the latest month whose
-- deadline has passed as of $today. Rejected files never set the range: a rejected file dated years
-- back must not make every authority owe those years (issue 8).
create or replace temp table scoring_scope_period as
with usable as (
    select min(period) as first_period, max(period) as last_period
    from submission
    where period is not null and status in ('accepted', 'queried', 'superseded')
),
calendar as (
    -- the latest month p whose deadline (day $deadline_day of p + $deadline_months_after) is before $today
    select cast(date_trunc('month', cast($today as date) - to_days(cast($deadline_day as integer)))
                - to_months(cast($deadline_months_after as integer)) as date) as last_due
),
bounds as (
    select first_period, greatest(last_period, least(last_due, cast(date_trunc('month', cast($today as date)) as date))) as last_period
    from usable, calendar
    where first_period is not null
),
months as (
    select cast(unnest(generate_series(first_period, last_period, interval 1 month)) as date) as period
    from bounds
)
select period from months
