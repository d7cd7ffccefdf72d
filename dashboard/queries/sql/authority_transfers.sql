-- transfers of cases between the authority and each counterpart in the 12 months to the period
select
    case when t.from_code = $code then 'sent to' else 'received from' end as direction,
    case when t.from_code = $code then t.to_code else t.from_code end as counterpart_code,
    a.name as counterpart_name,
    t.period,
    t.sent,
    t.received,
    t.difference,
    t.status,
    t.pending
from transfer_reconciliation as t
left join ref_authority as a
    on a.gss_code = case when t.from_code = $code then t.to_code else t.from_code end
where (t.from_code = $code or t.to_code = $code)
  and t.period between $start and $period
order by t.period desc, counterpart_name
