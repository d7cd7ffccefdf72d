-- Mart: every measure per authority, region, England and statistical-neighbour group, with ranks and
-- percentiles. Scores aggregate as the mean of the authorities' scores; rates and observed-practice
-- shares pool their counts (sum numerator / sum denominator). Sums are in fixed-point decimals so the
-- values are identical from one rescore to the next. lower95/upper95: the authority's own 95% Wilson
-- interval for the observed-practice shares (percent).
insert into scoring_staged_measure_value (level, code, period, "window", measure, value, numerator, denominator, lower95, upper95, rank, percentile)
with authority_scores as (
    select authority_code as code, period, "window", dimension as measure, score as value,
           numerator, denominator, 'score' as kind, cast(null as double) as lower95, cast(null as double) as upper95
    from scoring_score_dimension
    union all
    select authority_code, period, "window", 'composite', score, weighted_sum, weight_available, 'score', null, null
    from scoring_score_composite
    union all
    select authority_code, period, "window", measure,
           case when exposure > 0 then observed / exposure * $per end, observed, exposure, 'rate', null, null
    from scoring_rate
    union all
    select authority_code, period, 'rolling12', measure,
           case when denominator12 > 0 then 100.0 * share12 end, numerator12, denominator12, 'share',
           100.0 * lower95_12, 100.0 * upper95_12
    from scoring_practice_evidence
),
with_region as (
    select a.*, e.region_code
    from authority_scores as a
    join scoring_expected as e on e.authority_code = a.code and e.period = a.period
),
pooled as (
    select 'region' as level, region_code as code, period, "window", measure, kind, numerator, denominator, value
    from with_region
    union all
    select 'england', 'E92000001', period, "window", measure, kind, numerator, denominator, value
    from with_region
),
aggregated as (
    select level, code, period, "window", measure,
           case when kind = 'score' then cast(round(avg(cast(value as decimal(38, 6))), 6) as double)
                else cast(sum(cast(numerator as decimal(38, 6))) as double)
                     / nullif(cast(sum(cast(denominator as decimal(38, 6))) as double), 0)
                     * case when kind = 'rate' then $per else 100.0 end end as value,
           case when kind = 'score' then null else cast(sum(cast(numerator as decimal(38, 6))) as double) end as numerator,
           case when kind = 'score' then count(value) else cast(sum(cast(denominator as decimal(38, 6))) as double) end as denominator,
           cast(null as double) as lower95, cast(null as double) as upper95
    from pooled
    group by level, code, period, "window", measure, kind
),
neighbours as (
    select 'neighbours' as level, n.gss_code as code, a.period, a."window", a.measure,
           cast(round(avg(cast(a.value as decimal(38, 6))), 6) as double) as value, cast(null as double) as numerator,
           count(a.value) as denominator, cast(null as double) as lower95, cast(null as double) as upper95
    from ref_statistical_neighbour as n
    join authority_scores as a on a.code = n.neighbour_gss_code
    where n.rank <= $neighbours
    group by all
),
ranked as (
    -- ranks and percentiles within each level (neighbour groups are not ranked)
    select level, code, period, "window", measure, value, numerator, denominator, lower95, upper95,
           case when value is not null
                then rank() over (partition by level, period, "window", measure, value is null order by value desc) end as rank,
           case when value is not null
                then 100.0 * percent_rank() over (partition by level, period, "window", measure, value is null order by value) end as percentile
    from (
        select 'authority' as level, code, period, "window", measure, value, numerator, denominator, lower95, upper95
        from authority_scores
        union all select * from aggregated
    )
)
select * from ranked
union all
select *, cast(null as bigint) as rank, cast(null as double) as percentile from neighbours
