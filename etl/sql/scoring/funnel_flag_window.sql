-- The rows the funnel's flag judges when [funnel] flag_window_months is not 12 (not a numbered model: read
-- by etl/scoring/funnel_marts.py write_funnel): each flag measure's pooled rate over the $months months to p,
-- from scoring_rate's monthly rows, only where the window spans $months owed months (a full window).
with pooled as (
    select measure, period, authority_code,
           sum(observed) over w as observed, sum(exposure) over w as exposure,
           sum(months_reported) over w as months_reported, count(*) over w as months_owed
    from scoring_rate
    where "window" = 'month' and list_contains($measures, measure)
    window w as (partition by measure, authority_code order by period
                 range between to_months(cast($months as integer) - 1) preceding and current row)
)
select measure, period, authority_code, observed, exposure, months_reported
from pooled
where months_owed = $months and exposure > 0
order by measure, period, authority_code
