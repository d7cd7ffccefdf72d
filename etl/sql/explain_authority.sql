-- The authority's name, and the latest period it has a score for in the window (null when none yet):
-- `oversight explain` without --period explains that month.
select a.name,
       (select max(s.period) from score as s where s.authority_code = a.gss_code and s."window" = $window) as latest
from ref_authority as a
where a.gss_code = $code
