-- One user, by sign-in name (with the hash: sign-in only).
select username, display_name, password_hash, role, authority_code, is_admin, is_demo,
       disabled_at, password_changed_at
from app_user
where username = $username
