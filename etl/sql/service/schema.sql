-- The service store's tables (SQLite; etl/service_store.py applies this when the file's user_version is not
-- the module's SCHEMA_VERSION). Times are naive UTC ISO strings unless said otherwise.
create table if not exists audit_event (
    event_id       integer primary key autoincrement,
    at             text not null,
    username       text,
    role           text not null,
    authority_code text,
    event          text not null,   -- sign_in, sign_in_failed, sign_out, view_other_authority, download, submission, ...
    target         text,            -- the authority, file or page concerned
    detail         text,
    address        text
);
create index if not exists audit_event_at on audit_event (at);
create table if not exists signin_failure (
    failure_id integer primary key autoincrement,
    at         real not null,       -- unix time
    username   text not null,
    address    text not null
);
create index if not exists signin_failure_username on signin_failure (username, at);
create index if not exists signin_failure_address on signin_failure (address, at);
create table if not exists receipt (
    receipt_id     text primary key,
    received_at    text not null,   -- when the service received the upload: the return's receipt time
    username       text not null,
    authority_code text,            -- the submitting user's authority
    period         text,
    file_name      text not null,   -- the name the user uploaded
    stored_name    text,            -- the name placed in the inbox (null when not placed)
    sha256         text not null,
    size_bytes     integer not null,
    status         text not null,   -- accepted | queried | rejected (the validator's verdict)
    issues_json    text not null
);
create index if not exists receipt_authority on receipt (authority_code, received_at);
create table if not exists refresh_job (
    job_id      integer primary key autoincrement,
    started_at  text not null,
    started_by  text not null,
    pid         integer,
    finished_at text,
    exit_code   integer,
    log_path    text not null
);
