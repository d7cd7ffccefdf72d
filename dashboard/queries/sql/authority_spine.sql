-- every measure for one authority against england's distribution, its region and its neighbours; lower and
-- upper: the authority's own stored 95% interval (the observed-practice shares' Wilson interval)
with authority_level as (
    select measure, value
    from measure_value
    where level = 'authority'
      and period = $period
      and "window" = $window
      and value is not null
),
distribution as (
    select
        measure,
        min(value) as minimum,
        quantile_cont(value, 0.25) as q1,
        quantile_cont(value, 0.5) as median,
        quantile_cont(value, 0.75) as q3,
        max(value) as maximum,
        count(*)::integer as authorities
    from authority_level
    group by measure
),
own_region as (
    select region_code from ref_authority where gss_code = $code
),
comparators as (
    select
        measure,
        max(value) filter (where level = 'authority' and code = $code) as authority,
        max(rank) filter (where level = 'authority' and code = $code) as authority_rank,
        max(lower95) filter (where level = 'authority' and code = $code) as lower,
        max(upper95) filter (where level = 'authority' and code = $code) as upper,
        max(value) filter (where level = 'region' and code = (select region_code from own_region)) as region,
        max(value) filter (where level = 'neighbours' and code = $code) as neighbours,
        max(value) filter (where level = 'england') as england
    from measure_value
    where period = $period
      and "window" = $window
      and (
          (level in ('authority', 'neighbours') and code = $code)
          or (level = 'region' and code = (select region_code from own_region))
          or level = 'england'
      )
    group by measure
)
select
    d.measure,
    c.authority,
    c.lower,
    c.upper,
    c.region,
    c.neighbours,
    c.england,
    d.minimum,
    d.q1,
    d.median,
    d.q3,
    d.maximum,
    c.authority_rank,
    d.authorities
from distribution as d
left join comparators as c using (measure)
