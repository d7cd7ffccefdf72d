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
-- Rounded to 6 decimals where computed: sums of fractional units leave floating-point error
-- (100.00000000000001) that would otherwise reach the marts, the bands and the dashboard.
select *, case when denominator > 0 then round(100.0 * numerator / denominator, 6) end as score
from windows
