-- The current returns: is_current and accepted or queried, with their total and number of rows.
create or replace temp table scoring_return as
with current_returns as (
    select s.submission_id, s.authority_code, s.period, s.status, s.received_at
    from submission as s
    join scoring_expected as e
      on e.authority_code = s.authority_code and e.period = s.period
    where s.is_current and s.status in ('accepted', 'queried')
),
sized as (
    select
        r.submission_id,
        cast(sum(case when c.section = 'total' and c.category = 'ALL' then c.count end) as bigint) as total,
        count(c.section) as row_count
    from current_returns as r
    left join return_count as c on c.submission_id = r.submission_id
    group by r.submission_id
)
select r.*, coalesce(z.total, 0) as total, z.row_count
from current_returns as r
join sized as z using (submission_id)
