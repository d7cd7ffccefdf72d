-- Runs of nil returns: consecutive months whose current return has total 0, at least $min_run long
-- and improbable for the authority (Poisson probability of the run at its mean month below
-- $max_probability), so small authorities with genuinely quiet months are not flagged.
create or replace temp table scoring_nil_run as
with typical as (
    select authority_code, avg(total) as typical_total from scoring_return group by authority_code
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
)
select n.authority_code, n.period, r.first_period, r.last_period, r.months, t.typical_total,
       exp(-t.typical_total * r.months) as probability
from nil as n
join runs as r using (authority_code, island)
join typical as t using (authority_code)
where exp(-t.typical_total * r.months) < $max_probability
