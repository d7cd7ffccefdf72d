-- every authority in the reference tables with its validity, in name order
select
    gss_code,
    dfe_code,
    name,
    region_code,
    region_name,
    valid_from,
    valid_to
from ref_authority
order by name, gss_code
