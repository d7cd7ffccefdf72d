-- Every user, for `oversight users list` and the admin page (never the password hash).
select username, display_name, role, authority_code, is_admin, is_demo,
       disabled_at, created_at, updated_at, password_changed_at
from app_user
order by role, username
