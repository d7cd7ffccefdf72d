update app_user
set role = $role, authority_code = $authority_code, is_admin = $is_admin, updated_at = $now
where username = $username
