-- The composite: weighted mean of the dimensions that apply (weights renormalised), with its band.
-- Products and sums in fixed-point decimals: exact, so the composite does not depend on the order in
-- which a parallel sum adds the dimensions (issue 7: identical inputs give identical scores).
create or replace temp table scoring_score_composite as
with weighted as (
    select s.authority_code, s.period, s."window",
           sum(cast(w.weight as decimal(38, 9)) * cast(s.score as decimal(38, 6))) as weighted_sum,
           sum(cast(w.weight as decimal(38, 9))) filter (where s.score is not null) as weight_available
    from scoring_score_dimension as s
    join scoring_cfg_weight as w using (dimension)
    group by all
),
scored as (
    -- rounded (as the dimensions are) before banding, so the band follows the stored score
    select authority_code, period, "window",
           cast(weighted_sum as double) as weighted_sum, cast(weight_available as double) as weight_available,
           case when weight_available > 0
                then cast(round(weighted_sum / weight_available, 6) as double) end as score
    from weighted
)
select
    s.*,
    (select b.name from scoring_cfg_band as b where s.score >= b.min_score order by b.min_score desc limit 1) as band
from scored as s
