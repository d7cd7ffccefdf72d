-- the authority's statistical neighbours, closest first
select n.rank, n.neighbour_gss_code as authority_code, a.name, n.closeness
from ref_statistical_neighbour as n
left join ref_authority as a on a.gss_code = n.neighbour_gss_code
where n.gss_code = $code
order by n.rank
