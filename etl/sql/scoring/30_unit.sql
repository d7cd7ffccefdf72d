-- Every dimension as month-level units (numerator, denominator): score = 100 x numerator / denominator.
-- Units are fixed-point decimals: sums of decimals are exact, so a score never depends on the order in
-- which a parallel sum adds its rows (two rescores of the same returns give identical scores, bit for bit).
create or replace temp table scoring_unit as
with units as (
    select authority_code, period, 'completeness' as dimension,
           sum(known) as numerator, count(*) * max(total) as denominator
    from scoring_completeness_section
    group by submission_id, authority_code, period
    union all
    select authority_code, period, 'validity', greatest(0.0, 100.0 - coalesce(v.points, 0)) / 100.0, 1.0
    from scoring_return
    left join (select submission_id, sum(points_scaled) as points from scoring_validity_rule group by submission_id) as v
      using (submission_id)
    union all
    select authority_code, period, 'internal_consistency', sum(case when passed then 1 else 0 end), count(*)
    from scoring_consistency_check
    group by submission_id, authority_code, period
    union all
    select authority_code, source_period, 'cross_authority', sum(reconciled), sum(unit)
    from scoring_transfer_side
    where unit > 0
    group by authority_code, source_period
    union all
    select authority_code, period, 'timeliness', ratio, 1.0 from scoring_timeliness
    union all
    select authority_code, period, 'coverage', case when received then 1.0 else 0.0 end, 1.0 from scoring_coverage
    union all
    select authority_code, period, 'practice', sum(case when earned then share else 0 end), 1.0
    from scoring_practice
    group by submission_id, authority_code, period
)
select authority_code, period, dimension,
       cast(numerator as decimal(38, 9)) as numerator, cast(denominator as decimal(38, 9)) as denominator
from units
