-- Runs of nil returns: consecutive months whose current return has total 0, at least $min_run long
-- and improbable for the authority. The chance of one empty month at a usual level m is the negative
-- binomial zero probability (r / (r + m))^r, r the national shape the step-change CUSUM estimated
-- (scoring_count_shape, written by etl/scoring/evidence.py; null when counts are not overdispersed:
-- then the Poisson exp(-m)); the run of L months has that to the power L (months independent), and
-- is flagged below $max_probability. m is the authority's mean monthly total over its returns OUTSIDE
-- the run (a long run must not lower the rate it is judged against), and only when there are at least
-- $min_other_returns of them (one or two months say nothing about an authority's usual level).
-- $distribution = 'poisson' keeps the Poisson probability whatever the shape (the method before).
create or replace temp table scoring_nil_run as
with typical as (
    select authority_code, sum(total) as total_concerns, count(*) as returns from scoring_return group by authority_code
),
shape as (
    select case when $distribution = 'poisson' then null else max(shape) end as shape from scoring_count_shape
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
    select r.*, t.returns - r.months as other_returns,
           t.total_concerns / (t.returns - r.months) as typical_total, s.shape
    from runs as r
    join typical as t using (authority_code)
    cross join shape as s
    where t.returns - r.months >= $min_other_returns
),
scored as (
    select *,
           months * case when shape is null then -typical_total
                         else shape * ln(shape / (shape + typical_total)) end as log_probability
    from judged
)
select n.authority_code, n.period, j.first_period, j.last_period, j.months, j.other_returns, j.typical_total,
       j.shape, exp(j.log_probability) as probability, j.log_probability
from nil as n
join scored as j using (authority_code, island)
where j.log_probability < ln($max_probability)
