-- 002: the scoring marts, written by etl.scoring (rescore) and read by the dashboard.
-- Every rescore replaces their contents in one transaction; see docs/architecture.md "Scoring marts".

create table score_config (
    config_version varchar primary key,  -- hash of the normalised etl/scoring.toml
    created_at     timestamp not null,
    toml_text      varchar not null
);

create table score (
    authority_code varchar not null,
    period         date not null,
    "window"       varchar not null,     -- month | rolling12
    dimension      varchar not null,     -- completeness ... practice, composite
    score          double,               -- 0-100; null when not applicable
    band           varchar,              -- composite only
    config_version varchar not null,
    numerator      double,               -- the pooled ratio behind score (100 * numerator / denominator)
    denominator    double,
    primary key (authority_code, period, "window", dimension)
);

create table score_component (
    authority_code   varchar not null,
    period           date not null,
    "window"         varchar not null,
    dimension        varchar not null,
    rule_id          varchar not null,
    points_lost      double not null,    -- points of this dimension's 0-100 score
    detail           varchar not null,
    fix              varchar not null,
    submission_id    bigint,             -- the return that cost the points (null: no return, e.g. a missing month)
    row_number       integer,            -- its data row (1-based; null for a whole-file or whole-section cause)
    source_period    date,               -- the month of that return (differs from period in rolling12)
    composite_points double,             -- points of the composite this costs (points_lost x weight share)
    config_version   varchar not null
);

create table measure_value (
    level       varchar not null,        -- authority | region | england | neighbours
    code        varchar not null,
    period      date not null,
    "window"    varchar not null,
    measure     varchar not null,
    value       double,
    numerator   double,
    denominator double,
    rank        integer,                 -- 1 = highest value, among units of the same level
    percentile  double                   -- 0-100, share of units of the level with a lower value
);

create table funnel_point (
    measure         varchar not null,    -- rate_under18_per_10k | rate_total_per_10k (rolling12)
    period          date not null,
    authority_code  varchar not null,
    observed        double not null,     -- concerns in the window
    population      double not null,     -- exposure: children 0-17 x months reported / 12
    rate            double,              -- per 10,000 children per year
    target_rate     double,              -- England rate
    expected        double,
    z               double,              -- 2(sqrt(O) - sqrt(E)), divided by sqrt(phi) when phi > 1
    lower95         double,              -- limits as rates per 10,000 at this authority's exposure
    upper95         double,
    lower998        double,
    upper998        double,
    phi             double,              -- overdispersion factor of the period (1 when not overdispersed)
    flag            varchar,             -- low_998 | low_95 | in_control | high_95 | high_998
    months_reported integer
);

create table funnel_limit (
    measure    varchar not null,
    period     date not null,
    population double not null,
    lower95    double,
    upper95    double,
    lower998   double,
    upper998   double
);

create table flag (
    authority_code varchar not null,
    period         date not null,
    flag_type      varchar not null,     -- significantly_low | significantly_high | warning_low | warning_high | sudden_change | nil_return_run
    measure        varchar,
    value          double,
    detail         varchar not null
);

create table transfer_reconciliation (
    from_code      varchar not null,
    to_code        varchar not null,
    period         date not null,        -- the sender's month (the receiver's when nothing was sent)
    sent           bigint,               -- from_code's transfer_out to to_code (null: not reported)
    received       bigint,               -- to_code's transfer_in from from_code (null: not reported)
    matched_period date,                 -- the receiver's month that was paired
    status         varchar not null,     -- matched | unmatched | disputed
    difference     bigint,               -- received - sent
    pending        boolean not null default false, -- unmatched but the receiver's next month is not in yet
    sent_submission_id     bigint,
    sent_row_number        integer,
    received_submission_id bigint,
    received_row_number    integer
);
