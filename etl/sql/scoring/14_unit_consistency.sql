-- Internal consistency checks per return: each configured breakdown section that is present sums to
-- total, and one check that every flag is within its bounds.
create or replace temp table scoring_consistency_check as
with section_sums as (
    select c.submission_id, c.authority_code, c.period, c.total, c.section, s.label,
           sum(c.count) as section_sum, min(c.source_row) as first_row
    from scoring_count as c
    join scoring_consistency_section as s using (section)
    group by all
),
flags as (
    select
        r.submission_id, r.authority_code, r.period, r.total,
        max(case when c.section = 'flag' then c.count end) as max_flag,
        max(case when c.section = 'flag' and c.category = 'MOVED_IN_LAST_12_MONTHS' then c.count end) as moved,
        max(case when c.section = 'flag' and c.category = 'PREVIOUS_AUTHORITY_RECORDS_RECEIVED' then c.count end) as previous,
        min(case when c.section = 'flag' then c.source_row end) as first_row
    from scoring_return as r
    left join scoring_count as c on c.submission_id = r.submission_id and c.section = 'flag'
    group by all
)
select submission_id, authority_code, period, total, 'sum_mismatch.' || section as rule_id,
       section_sum = total as passed, first_row,
       format('The {} counts in {} sum to {} but total is {}', label, strftime(period, '%Y-%m'), section_sum, total) as what,
       format('Make the {} counts add up to total: each concern once, NOT_RECORDED when unknown', label) as fix
from section_sums
union all
select submission_id, authority_code, period, total, 'flag_bounds',
       coalesce(max_flag, 0) <= total and coalesce(previous, 0) <= coalesce(moved, previous, 0),
       first_row,
       format('A flag count in {} is above total or previous-records above moved-in', strftime(period, '%Y-%m')),
       'Each flag counts concerns with that property, so it cannot exceed total'
from flags
