-- the Home Office's Prevent priority areas (ref_prevent_priority_area, refilled with the reference tables)
select p.gss_code, a.name, p.financial_year, p.source_url
from ref_prevent_priority_area as p
left join ref_authority as a on a.gss_code = p.gss_code
order by a.name
