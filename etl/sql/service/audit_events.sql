-- The newest events first; :event and :username filter when not null.
select event_id, at, username, role, authority_code, event, target, detail, address
from audit_event
where (:event is null or event = :event) and (:username is null or username = :username)
order by event_id desc
limit :limit
