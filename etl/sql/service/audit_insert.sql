insert into audit_event (at, username, role, authority_code, event, target, detail, address)
values (:at, :username, :role, :authority_code, :event, :target, :detail, :address)
