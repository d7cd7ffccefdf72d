-- Runs of nil returns: consecutive months whose current return has total 0, at least $min_run long
-- and improbable for the authority: the Poisson probability exp(-m x length) of the run below
-- $max_probability, with m the authority's mean monthly total over its returns OUTSIDE the run (a long
-- run must not lower the rate it is judged against).
create or replace temp table scoring_nil_run as
with typical as (
    select authority_code, sum(total) as total_concerns, count(*) as returns from scoring_return group by authority_code
),
nil as (
    select authority_code, period,
           year(period) * 12 + month(period)
             - row_number() over (partition by authority_code order by period) as island
    from scoring_return
    where total = 0
),
runs as (
    select authority_code, island, min(period) as first_period, max(period) as last_period, count(*) as months
    from nil
    group by authority_code, island
    having count(*) >= $min_run
),
judged as (
    select r.*, t.total_concerns / (t.returns - r.months) as typical_total
    from runs as r
    join typical as t using (authority_code)
    where t.returns > r.months
)
select n.authority_code, n.period, j.first_period, j.last_period, j.months, j.typical_total,
       exp(-j.typical_total * j.months) as probability
from nil as n
join judged as j using (authority_code, island)
where exp(-j.typical_total * j.months) < $max_probability
