-- Sudden change: a month's total far from the authority's trailing median in robust z units
-- (Iglewicz & Hoaglin 1993: z = 0.6745 (x - median) / MAD), the MAD floored so small counts do not flag.
create or replace temp table scoring_sudden_change as
with trailing_window as (
    select authority_code, period, total,
           median(total) over w as trailing_median,
           mad(total) over w as trailing_mad,
           count(*) over w as trailing_months
    from scoring_return
    window w as (partition by authority_code order by period
                 range between to_months(cast($trailing_months as integer)) preceding and interval 1 month preceding)
),
scored as (
    select *,
           greatest(trailing_mad, $mad_floor, $mad_floor_poisson * sqrt(trailing_median)) as mad_used
    from trailing_window
    where trailing_months >= $min_trailing_months
)
select *, 0.6745 * (total - trailing_median) / mad_used as robust_z
from scored
where abs(0.6745 * (total - trailing_median) / mad_used) > $robust_z
