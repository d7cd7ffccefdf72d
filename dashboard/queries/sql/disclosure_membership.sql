-- which region each authority adds up into
select gss_code as authority_code, region_code
from ref_authority
