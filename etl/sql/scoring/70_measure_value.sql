-- Every measure per authority, region, England and statistical-neighbour group, with ranks and
-- percentiles. Scores aggregate as the mean of the authorities' scores; rates pool counts and exposure.
create or replace temp table scoring_measure_value as
with authority_scores as (
    select authority_code as code, period, "window", dimension as measure, score as value,
           numerator, denominator, false as is_rate
    from scoring_score_dimension
    union all
    select authority_code, period, "window", 'composite', score, weighted_sum, weight_available, false
    from scoring_score_composite
    union all
    select authority_code, period, "window", measure,
           case when exposure > 0 then observed / exposure * $per end, observed, exposure, true
    from scoring_rate
),
with_region as (
    select a.*, e.region_code
    from authority_scores as a
    join scoring_expected as e on e.authority_code = a.code and e.period = a.period
),
region as (
    select 'region' as level, region_code as code, period, "window", measure,
           case when bool_or(is_rate) then sum(numerator) / nullif(sum(denominator), 0) * $per else round(avg(value), 6) end as value,
           case when bool_or(is_rate) then sum(numerator) end as numerator,
           case when bool_or(is_rate) then sum(denominator) else count(value) end as denominator
    from with_region
    group by all
),
england as (
    select 'england' as level, 'E92000001' as code, period, "window", measure,
           case when bool_or(is_rate) then sum(numerator) / nullif(sum(denominator), 0) * $per else round(avg(value), 6) end as value,
           case when bool_or(is_rate) then sum(numerator) end as numerator,
           case when bool_or(is_rate) then sum(denominator) else count(value) end as denominator
    from with_region
    group by all
),
neighbours as (
    select 'neighbours' as level, n.gss_code as code, a.period, a."window", a.measure,
           round(avg(a.value), 6) as value, cast(null as double) as numerator, count(a.value) as denominator
    from ref_statistical_neighbour as n
    join authority_scores as a on a.code = n.neighbour_gss_code
    where n.rank <= $neighbours
    group by all
),
levels as (
    select 'authority' as level, code, period, "window", measure, value, numerator, denominator from authority_scores
    union all select * from region
    union all select * from england
    union all select * from neighbours
)
select
    *,
    case when value is not null and level <> 'neighbours'
         then rank() over (partition by level, period, "window", measure, value is null order by value desc) end as rank,
    case when value is not null and level <> 'neighbours'
         then 100.0 * percent_rank() over (partition by level, period, "window", measure, value is null order by value) end as percentile
from levels
