-- risk_covariates: each authority's region and whether it is a Prevent priority area (any financial
-- year of ref_prevent_priority_area), the covariates of the funnel's risk-adjusted expectation.
select
    a.gss_code,
    a.region_code,
    exists (select 1 from ref_prevent_priority_area as p where p.gss_code = a.gss_code) as is_priority
from ref_authority as a
order by a.gss_code
