update app_user
set password_hash = $password_hash, password_changed_at = $now, updated_at = $now
where username = $username
