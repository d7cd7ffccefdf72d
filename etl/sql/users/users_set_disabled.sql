update app_user
set disabled_at = case when $disabled then coalesce(disabled_at, $now) else null end, updated_at = $now
where username = $username
