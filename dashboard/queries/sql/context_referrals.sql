-- each authority's published children's social care referrals (current edition, total rows), every year
select code as authority_code, year, time_period, period_label, value as referrals, symbol
from context_current
where level = 'authority' and is_mapped and is_total and indicator = $indicator
qualify row_number() over (partition by code, time_period order by import_id desc) = 1
