-- Each authority's monthly total on the calendar of months it owes (null where no return), for the
-- step-change CUSUM (etl/scoring/cusum.py).
create or replace temp table scoring_monthly_total as
select e.authority_code, e.period, r.total
from scoring_expected as e
left join scoring_return as r using (authority_code, period)
order by e.authority_code, e.period
