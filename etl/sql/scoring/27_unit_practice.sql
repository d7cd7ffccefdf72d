-- Practice per return month: the four declarations (1 = yes) and the observed-practice evidence, each
-- weighted by [practice] (docs/methodology.md, "Practice"). A declaration earns its weight when it is 1
-- and the evidence does not contradict it; an evidence measure earns its weight unless the authority is
-- beyond England's 99.8% limit on its adverse side over the evidence windows ending in the month
-- (etl/scoring/evidence.py).
create or replace temp table scoring_practice as
with items as (
    select category as item, 'declaration' as kind, weight, contradicted_by from scoring_cfg_practice
    union all
    select measure, 'evidence', weight, cast(null as varchar) from scoring_cfg_practice_evidence
),
weights as (
    select *, cast(cast(weight as decimal(38, 9)) / sum(cast(weight as decimal(38, 9))) over () as decimal(38, 9)) as share
    from items
),
declared as (
    select r.submission_id, r.authority_code, r.period, w.item, w.kind, w.weight, w.share, w.contradicted_by,
           c.count as declared, c.source_row
    from scoring_return as r
    cross join weights as w
    left join scoring_count as c
      on c.submission_id = r.submission_id and c.section = 'practice' and c.category = w.item
)
select
    d.*,
    e.numerator_evidence, e.denominator_evidence, e.share_evidence, e.target_evidence, e.limit_evidence, e.adverse,
    e.evidence_months, coalesce(e.absent, false) as absent, e.absent_probability, e.folded_note,
    coalesce(e.is_adverse, false) as is_adverse,
    case when d.kind = 'declaration' then coalesce(d.declared, 0) = 1 and not coalesce(e.is_adverse, false)
         else not coalesce(e.is_adverse, false) end as earned
from declared as d
left join scoring_practice_evidence as e
  on e.authority_code = d.authority_code and e.period = d.period
 and e.measure = case when d.kind = 'declaration' then d.contradicted_by else d.item end
