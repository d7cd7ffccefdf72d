-- Dimension scores for every month owed, per month and pooled over the rolling 12 months.
create or replace temp table scoring_score_dimension as
with grid as (
    select e.authority_code, e.period, d.dimension
    from scoring_expected as e
    cross join scoring_cfg_weight as d
),
monthly as (
    select g.authority_code, g.period, g.dimension,
           coalesce(sum(u.numerator), 0) as numerator, coalesce(sum(u.denominator), 0) as denominator
    from grid as g
    left join scoring_unit as u using (authority_code, period, dimension)
    group by all
),
windows as (
    select authority_code, period, dimension, 'month' as "window", numerator, denominator
    from monthly
    union all
    select authority_code, period, dimension, 'rolling12',
           sum(numerator) over w, sum(denominator) over w
    from monthly
    window w as (partition by authority_code, dimension order by period
                 range between interval 11 months preceding and current row)
)
-- Numerators and denominators are exact decimal sums (30_unit.sql); the score is rounded to 6 decimals
-- where computed, so the marts, the bands and the dashboard see the same value every time.
select authority_code, period, dimension, "window",
       cast(numerator as double) as numerator, cast(denominator as double) as denominator,
       case when denominator > 0
            then cast(round(cast(100 * numerator as double) / cast(denominator as double), 6) as double) end as score
from windows
