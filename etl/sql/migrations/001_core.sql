-- 001: the core schema: reference tables, submissions, their counts and issues, load runs.

create table meta (
    key   varchar primary key,
    value varchar not null
);

create table ref_region (
    region_code varchar primary key,
    region_name varchar not null
);

create table ref_authority (
    gss_code          varchar primary key,
    dfe_code          varchar,
    name              varchar not null,
    region_code       varchar not null,
    region_name       varchar not null,
    valid_from        date,            -- first period owed, null = always
    valid_to          date,            -- last period owed, null = still valid
    predecessor_codes varchar[],
    successor_codes   varchar[],
    alias_codes       varchar[]
);

create table ref_population (
    gss_code   varchar not null,
    year       integer not null,      -- ONS mid-year
    population bigint  not null,      -- children aged 0-17
    primary key (gss_code, year)
);

create table ref_statistical_neighbour (
    gss_code           varchar not null,
    rank               integer not null,
    neighbour_gss_code varchar not null,
    closeness          varchar,
    primary key (gss_code, rank)
);

create sequence load_run_id_seq start 1;
create table load_run (
    run_id         bigint primary key default nextval('load_run_id_seq'),
    command        varchar not null,   -- load | refresh
    started_at     timestamp not null,
    finished_at    timestamp,
    files_seen     integer not null default 0,
    files_accepted integer not null default 0,
    files_queried  integer not null default 0,
    files_rejected integer not null default 0,
    files_unchanged integer not null default 0,
    duration_s     double,
    status         varchar not null,   -- running | completed | failed
    files_superseded integer not null default 0, -- earlier versions replaced by this run's files
    error          varchar             -- why a failed run stopped
);

create sequence submission_id_seq start 1;
create table submission (
    submission_id  bigint primary key default nextval('submission_id_seq'),
    run_id         bigint,
    file_name      varchar not null,
    sha256         varchar not null,
    size_bytes     bigint not null,
    file_format    varchar not null,   -- csv | xlsx
    encoding       varchar,
    received_at    timestamp not null, -- when the file arrived (its modification time)
    loaded_at      timestamp not null,
    authority_code varchar,            -- null when the file could not say
    period         date,               -- first day of the month; null when unreadable
    version        integer,            -- 1, 2, ... per (authority, period) among loaded returns
    status         varchar not null,   -- accepted | queried | rejected | superseded
    is_current     boolean not null default false,
    is_synthetic   boolean not null default false,
    validation_status varchar          -- accepted | queried | rejected: the validator's verdict, kept when superseded
);
create unique index submission_sha256 on submission (sha256);

create table return_count (
    submission_id bigint not null,
    section       varchar not null,
    category      varchar not null,
    count         bigint not null,
    source_row    integer,
    primary key (submission_id, section, category)
);

create table validation_issue (
    submission_id bigint not null,
    rule_id       varchar not null,
    severity      varchar not null,    -- error | query
    row_number    integer,
    column_name   varchar,
    value         varchar,
    message       varchar not null,
    hint          varchar not null
);
