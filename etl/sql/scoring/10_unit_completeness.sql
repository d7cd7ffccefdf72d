-- Completeness per return and section: known = count - NOT_RECORDED (capped at total); a missing
-- section knows nothing. The return's ratio is sum(known) / (sections x total), i.e. the mean known
-- share across sections; pooling numerators and denominators gives the rolling score.
create or replace temp table scoring_completeness_section as
with sections as (
    select r.submission_id, r.authority_code, r.period, r.total, s.section, s.label
    from scoring_return as r
    cross join scoring_cfg_section as s
),
section_counts as (
    select
        submission_id,
        section,
        sum(count) as section_sum,
        sum(case when category = $not_recorded then count else 0 end) as not_recorded,
        min(case when category = $not_recorded then source_row end) as not_recorded_row,
        min(source_row) as first_row,
        count(*) as rows_present
    from scoring_count
    group by submission_id, section
),
joined as (
    select
        s.*,
        c.rows_present is not null as present,
        coalesce(c.section_sum, 0) as section_sum,
        coalesce(c.not_recorded, 0) as not_recorded,
        c.not_recorded_row,
        c.first_row
    from sections as s
    left join section_counts as c using (submission_id, section)
)
select
    *,
    case when present then least(greatest(section_sum - not_recorded, 0), total) else 0 end as known,
    case when present then greatest(total - section_sum, 0) else 0 end as unaccounted
from joined
