-- The composite: weighted mean of the dimensions that apply (weights renormalised), with its band.
create or replace temp table scoring_score_composite as
with weighted as (
    select s.authority_code, s.period, s."window",
           sum(w.weight * s.score) as weighted_sum,
           sum(w.weight) filter (where s.score is not null) as weight_available
    from scoring_score_dimension as s
    join scoring_cfg_weight as w using (dimension)
    group by all
),
scored as (
    -- rounded (as the dimensions are) before banding, so float error cannot move a score across a band
    select *, case when weight_available > 0 then round(weighted_sum / weight_available, 6) end as score
    from weighted
)
select
    s.*,
    (select b.name from scoring_cfg_band as b where s.score >= b.min_score order by b.min_score desc limit 1) as band
from scored as s
