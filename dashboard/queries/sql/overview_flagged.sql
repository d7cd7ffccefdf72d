-- authorities flagged in a period, with what the flag says
select
    f.authority_code,
    a.name,
    a.region_name,
    f.flag_type,
    f.measure,
    f.value,
    f.detail
from flag as f
left join ref_authority as a on a.gss_code = f.authority_code
where f.period = $period
order by f.flag_type, a.name
