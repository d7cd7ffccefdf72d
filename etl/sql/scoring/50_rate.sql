-- Recording rates: concerns (all, and about under-18s) per 10,000 children aged 0-17 per year, per month
-- and over the rolling 12 months. Exposure = children x months reported / 12, so a missing month does
-- not read as under-recording (coverage scores it). Population: the period's year, else the nearest.
create or replace temp table scoring_rate as
with population as (
    select e.authority_code, e.period, p.population
    from scoring_expected as e
    join ref_population as p on p.gss_code = e.authority_code
    qualify row_number() over (partition by e.authority_code, e.period
                               order by abs(p.year - year(e.period)), p.year desc) = 1
),
observed as (
    select r.authority_code, r.period, r.total,
           coalesce(sum(c.count) filter (where c.section = 'age_band' and list_contains($under18, c.category)), 0) as under18
    from scoring_return as r
    left join scoring_count as c on c.submission_id = r.submission_id and c.section = 'age_band'
    group by all
),
monthly as (
    select e.authority_code, e.period, p.population,
           case when o.authority_code is not null then 1 else 0 end as reported,
           coalesce(o.under18, 0) as under18, coalesce(o.total, 0) as total,
           -- fixed-point, so rolling sums are exact whatever the order of addition
           cast(case when o.authority_code is not null then p.population / 12.0 else 0 end as decimal(38, 9)) as exposure
    from scoring_expected as e
    join population as p using (authority_code, period)
    left join observed as o using (authority_code, period)
),
windows as (
    select authority_code, period, 'month' as "window", population, reported as months_reported,
           under18, total, exposure
    from monthly
    union all
    select authority_code, period, 'rolling12', population,
           sum(reported) over w, sum(under18) over w, sum(total) over w, sum(exposure) over w
    from monthly
    window w as (partition by authority_code order by period range between interval 11 months preceding and current row)
)
select authority_code, period, "window", 'rate_under18_per_10k' as measure, population,
       cast(months_reported as integer) as months_reported, cast(under18 as double) as observed, cast(exposure as double) as exposure
from windows
union all
select authority_code, period, "window", 'rate_total_per_10k', population,
       cast(months_reported as integer), cast(total as double), cast(exposure as double)
from windows
