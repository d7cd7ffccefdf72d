-- The periods in scope: from the earliest to the latest period any submission was made for.
create or replace temp table scoring_scope_period as
with submitted as (
    select min(period) as first_period, max(period) as last_period
    from submission
    where period is not null
),
months as (
    select cast(unnest(generate_series(first_period, last_period, interval 1 month)) as date) as period
    from submitted
    where first_period is not null
)
select period from months
