-- The rows etl/scoring/evidence.py write_practice_evidence judges (not a numbered model: it is read by
-- that function): each observed-practice measure per authority and month from scoring_practice_observed,
-- with `declared`, whether the declaration linked to the measure ([practice] contradicted_by) was 1 in the
-- latest return up to the month (the zero state's covariate of the practice-absent model), and for
-- share_other_mixed the harmonised-category columns (fold*, folded*: 26_stg_practice_observed.sql).
with declaration as (
    select r.authority_code, r.period, c.category, c.count = 1 as yes
    from scoring_return as r
    join scoring_count as c on c.submission_id = r.submission_id and c.section = 'practice'
),
link as (
    select contradicted_by as measure, min(category) as category
    from scoring_cfg_practice
    where contradicted_by is not null
    group by all
)
select o.authority_code, o.period, o.measure, o.adverse, o.numerator12, o.denominator12, o.numerator_evidence,
       o.denominator_evidence, o.numerator_long, o.denominator_long, coalesce(d.yes, false) as declared,
       coalesce(o.fold12, 0) as fold12, coalesce(o.fold_evidence, 0) as fold_evidence, coalesce(o.fold_long, 0) as fold_long,
       o.folded_evidence, o.folded_long
from scoring_practice_observed as o
left join link as l on l.measure = o.measure
asof left join declaration as d on d.authority_code = o.authority_code and d.category = l.category and o.period >= d.period
order by o.measure, o.period, o.authority_code
