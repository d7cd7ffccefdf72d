-- 006: real published data beside the returns (DfE "explore education statistics" tidy files).
-- One context_import row per file imported (provenance; idempotent by SHA-256); its values in
-- context_value, one row per geography x period x filter combination x indicator. A newer edition
-- of the same publication supersedes the older one, which is kept (superseded_by points at it).

create sequence context_import_id_seq start 1;
create table context_import (
    import_id        bigint primary key default nextval('context_import_id_seq'),
    publication      varchar not null,   -- --publication, or the file name without its years
    file_name        varchar not null,
    sha256           varchar not null,
    size_bytes       bigint not null,
    meta_file_name   varchar,            -- the sibling .meta.csv when there was one
    meta_sha256      varchar,
    imported_at      timestamp not null,
    latest_period    varchar,            -- the newest time_period in the file (decides which edition is newer)
    superseded_by    bigint,             -- import_id of the edition that replaced it; null while current
    superseded_at    timestamp,
    indicator_source varchar not null,   -- meta | inferred | meta+inferred
    rows_read        bigint not null,    -- data rows in the file
    values_stored    bigint not null,
    summary_json     varchar not null    -- the `--json` summary of the import
);
create unique index context_import_sha256 on context_import (sha256);

create table context_indicator (
    import_id      bigint not null,
    indicator      varchar not null,     -- the column name in the file
    label          varchar,              -- from the .meta.csv (null when inferred)
    unit           varchar,              -- indicator_unit from the .meta.csv: '', '%', '£', ...
    decimal_places integer,
    source         varchar not null,     -- meta | inferred
    primary key (import_id, indicator)
);

create table context_value (
    import_id       bigint not null,
    publication     varchar not null,
    level           varchar not null,    -- england | country | region | subregion | authority
    code            varchar not null,    -- canonical GSS code (the file's code when unmapped)
    source_code     varchar,             -- the code as written in the file
    is_mapped       boolean not null,    -- false: not an authority or region in the reference tables
    time_period     varchar not null,    -- as published: 2025, 202425
    time_identifier varchar not null,    -- Reporting year, Academic year, ...
    year            integer not null,    -- the first year of the period (2024 for 202425)
    period_label    varchar not null,    -- 2025, 2024/25, "Q1 2025"
    filters         varchar not null,    -- JSON object of filter column -> value
    filter_key      varchar not null,    -- the same as 'name=value; ...' in column order ('' when none)
    is_total        boolean not null,    -- the file's only filter combination, or every filter 'Total'
    indicator       varchar not null,
    value           double,              -- null when the cell holds a symbol
    symbol          varchar,             -- c x z u low k ~ : (kept as published; never read as 0)
    source_row      integer              -- 1-based data row in the file (header = row 0); null when derived
);

create table context_symbol (
    symbol  varchar primary key,
    meaning varchar not null
);
insert into context_symbol values
    ('c', 'confidential: suppressed to protect individuals'),
    ('x', 'not available'),
    ('z', 'not applicable'),
    ('u', 'low reliability'),
    ('low', 'positive but rounds to zero'),
    ('k', 'positive but rounds to zero (older symbol)'),
    ('~', 'positive but rounds to zero (older symbol)'),
    (':', 'not available (older symbol)');

-- The Home Office's Prevent priority areas (a published list; data/reference/prevent_priority_areas.csv),
-- refilled by every context import.
create table ref_prevent_priority_area (
    gss_code       varchar not null,
    financial_year varchar not null,     -- 2024-25
    name           varchar not null,
    source_url     varchar not null,
    primary key (gss_code, financial_year)
);

create view context_current as
select v.*
from context_value as v
join context_import as i using (import_id)
where i.superseded_by is null;
