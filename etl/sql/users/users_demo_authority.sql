-- The authority a seeded demo council user is bound to: the first (by code) with a current return.
select authority_code
from submission
where is_current and authority_code is not null
group by authority_code
order by count(*) desc, authority_code
limit 1
