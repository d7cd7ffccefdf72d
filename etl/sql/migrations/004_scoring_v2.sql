-- 004: scoring v2 (issue 8): who is at fault for a transfer, the additive overdispersion of the funnel,
-- intervals on measures, and one table of the returns owed, their deadline and their state, written by
-- the scoring (settings from score_config) and read by `oversight status` and the dashboard.

alter table transfer_reconciliation add column fault varchar;  -- none | receiver | sender | disputed | pending | no_return
alter table funnel_point add column tau2 double;               -- additive between-authority variance (sqrt scale)
alter table measure_value add column lower95 double;           -- the unit's own 95% interval (Wilson for shares)
alter table measure_value add column upper95 double;

create table return_owed (
    authority_code    varchar not null,
    period            date not null,
    deadline          date not null,       -- day [timeliness] deadline_day of the month deadline_months_after the period
    due               boolean not null,    -- the deadline has passed (as of the scoring's today)
    state             varchar not null,    -- accepted | queried | late | rejected | missing | not_due
    return_status     varchar,             -- the current return's status (accepted | queried), null when none
    submission_id     bigint,              -- the current return
    version           integer,
    first_received_at timestamp,           -- when its first loadable version arrived
    days_late         integer,             -- days after the deadline (0 on time), null without a return
    rejected_files    integer not null,    -- rejected files for the authority and month
    config_version    varchar not null,
    primary key (authority_code, period)
);

-- Thresholds of the step-change CUSUM, set by simulation (etl/scoring/cusum.py): deterministic for a
-- given key (direction, ratio, shape and settings), so a later rescore reuses them instead of simulating again.
create table cusum_threshold (
    calibration_key varchar not null,    -- hash of the CUSUM settings, the ratio and the shape
    level           double not null,     -- in-control concerns a month
    h               double not null,     -- the threshold at that level
    primary key (calibration_key, level)
);
