-- 005: the local user store (the embedded sign-in). Written only through the write session by
-- `oversight users ...`; the dashboard reads it read-only. Users of an identity provider (OIDC) are
-- not stored here: their role comes from the provider's claims (docs/security.md).

create table app_user (
    username            varchar primary key,  -- the sign-in name, lower case (an e-mail address or a short name)
    display_name        varchar not null,
    password_hash       varchar not null,     -- argon2id (argon2-cffi), with its parameters and salt
    role                varchar not null check (role in ('national', 'council')),
    authority_code      varchar,              -- the one authority a council user is bound to
    is_admin            boolean not null default false,  -- national admins: users, audit, refresh
    is_demo             boolean not null default false,  -- seeded demo account: signs in only on synthetic data
    disabled_at         timestamp,            -- set by `oversight users disable`; null = may sign in
    created_at          timestamp not null,
    updated_at          timestamp not null,
    password_changed_at timestamp not null,   -- sessions issued before this are ended
    check (role <> 'council' or authority_code is not null),
    check (role <> 'council' or not is_admin)
);
