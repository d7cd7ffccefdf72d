-- Validity per return: 100 minus the points of each repair/query rule raised (file-level rules once,
-- row-level rules in proportion to the rows affected), floored at 0. Stored as a 0-1 ratio over 1.
create or replace temp table scoring_validity_rule as
with raised as (
    select
        r.submission_id, r.authority_code, r.period, r.row_count,
        i.rule_id,
        count(distinct i.row_number) as rows_affected,
        min(i.row_number) as first_row,
        array_to_string(list_sort(list(distinct i.row_number)), ', ') as row_list  -- sorted: same text every time
    from scoring_return as r
    join validation_issue as i on i.submission_id = r.submission_id
    group by all
),
deducted as (
    select
        raised.*,
        c.what, c.fix, c.scope,
        -- fixed-point (decimal) so that sums are exact and independent of the order rows are added in
        cast(case when c.scope = 'file' then c.points
             else c.points * least(rows_affected, greatest(row_count, 1)) / greatest(row_count, 1) end as decimal(38, 9)) as points
    from raised
    join scoring_cfg_validity_rule as c using (rule_id)
),
scaled as (
    -- when deductions exceed 100 they are scaled so that the losses still add up to 100 - score
    select *, cast(points * least(1.0, 100.0 / sum(points) over (partition by submission_id)) as decimal(38, 9)) as points_scaled
    from deducted
)
select * from scaled
