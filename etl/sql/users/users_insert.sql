insert into app_user (username, display_name, password_hash, role, authority_code, is_admin, is_demo,
                      disabled_at, created_at, updated_at, password_changed_at)
values ($username, $display_name, $password_hash, $role, $authority_code, $is_admin, $is_demo,
        null, $now, $now, $now)
