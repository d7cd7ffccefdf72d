-- Practice declarations per return (1 = yes); an item not declared counts as no.
create or replace temp table scoring_practice as
with weights as (
    select category, weight, weight / sum(weight) over () as share
    from scoring_cfg_practice
)
select
    r.submission_id, r.authority_code, r.period, w.category, w.weight, w.share,
    c.count as declared, c.source_row
from scoring_return as r
cross join weights as w
left join scoring_count as c
  on c.submission_id = r.submission_id and c.section = 'practice' and c.category = w.category
