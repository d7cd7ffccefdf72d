-- The counts of the current returns, with the return's authority, period and total.
create or replace temp table scoring_count as
select
    r.submission_id,
    r.authority_code,
    r.period,
    r.total,
    c.section,
    c.category,
    cast(c.count as bigint) as count,
    c.source_row
from scoring_return as r
join return_count as c on c.submission_id = r.submission_id
