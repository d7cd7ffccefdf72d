-- One context measure for an authority, its region, England and the mean of its statistical neighbours,
-- every published year: numerator indicator / (denominator indicator, or children aged 0-17 when
-- $denominator = '') x $scale. Only the current edition, the file's total rows, mapped codes.
-- Population: the mid-year `year - $population_lag` (nearest published year when missing); a region's
-- and England's population is the sum over the authorities the file publishes that year.
with picked as (
    select level, code, year, time_period, period_label, indicator, value, symbol
    from context_current
    where is_total and is_mapped and level in ('authority', 'region', 'england')
      and indicator in ($numerator, $denominator)
    qualify row_number() over (partition by level, code, time_period, indicator order by import_id desc) = 1
),
numerator as (
    select level, code, year, time_period, period_label, value, symbol
    from picked
    where indicator = $numerator
),
denominator_indicator as (
    select level, code, time_period, value, symbol
    from picked
    where indicator = $denominator
),
authority_population as (
    select n.code, n.time_period, a.region_code, cast(p.population as double) as population
    from numerator as n
    join ref_authority as a on a.gss_code = n.code
    join ref_population as p on p.gss_code = n.code
    where n.level = 'authority'
    qualify row_number() over (partition by n.code, n.time_period
                               order by abs(p.year - (n.year - $population_lag)), p.year desc) = 1
),
population as (
    select 'authority' as level, code, time_period, population from authority_population
    union all
    select 'region', region_code, time_period, sum(population) from authority_population group by all
    union all
    select 'england', 'E92000001', time_period, sum(population) from authority_population group by all
),
ratio as (
    select n.level, n.code, n.year, n.time_period, n.period_label,
           n.value as numerator, n.symbol as numerator_symbol,
           case when $denominator = '' then p.population else d.value end as denominator,
           case when $denominator = '' then null else d.symbol end as denominator_symbol
    from numerator as n
    left join population as p on p.level = n.level and p.code = n.code and p.time_period = n.time_period
    left join denominator_indicator as d on d.level = n.level and d.code = n.code and d.time_period = n.time_period
),
valued as (
    select *, case when numerator is not null and denominator > 0 then numerator / denominator * $scale end as value
    from ratio
),
subject as (
    select region_code from ref_authority where gss_code = $code
),
series as (
    select 'authority' as series, year, time_period, period_label, numerator, numerator_symbol,
           denominator, denominator_symbol, value, cast(null as bigint) as units
    from valued
    where level = 'authority' and code = $code
    union all
    select 'region', v.year, v.time_period, v.period_label, v.numerator, v.numerator_symbol,
           v.denominator, v.denominator_symbol, v.value, null
    from valued as v
    join subject as s on v.code = s.region_code
    where v.level = 'region'
    union all
    select 'england', year, time_period, period_label, numerator, numerator_symbol,
           denominator, denominator_symbol, value, null
    from valued
    where level = 'england'
    union all
    select 'neighbours', v.year, v.time_period, v.period_label, null, null, null, null,
           avg(v.value), count(v.value)
    from valued as v
    join ref_statistical_neighbour as n on n.neighbour_gss_code = v.code
    where v.level = 'authority' and n.gss_code = $code and n.rank <= $neighbours
    group by all
)
select * from series
order by series, year, time_period
