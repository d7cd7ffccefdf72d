-- Every event, oldest first (the columns are the export's header).
select event_id, at, username, role, authority_code, event, target, detail, address
from audit_event
order by event_id
