-- 009: the funnel's results per (measure, period) group (etl/scoring/funnel_marts.py). A group's funnel
-- points, limit curve and flag comparison are deterministic in its inputs, which the digest covers (the
-- group's counts, exposures and authorities, their region and priority-area covariates, the funnel
-- settings, the funnel code and NumPy's and SciPy's versions), so a rescore recomputes only the groups
-- whose digest changed: a one-month refresh, the new month's. The scoring keeps exactly the groups its last
-- rescore used; `oversight score` recomputes them all.
create table funnel_memo (
    group_key varchar primary key,  -- measure and period
    digest    varchar not null,     -- sha256 of everything the group's result depends on
    point     blob not null,        -- Arrow IPC stream: the group's funnel_point rows
    curve     blob not null,        -- Arrow IPC stream: its funnel_limit rows
    basis     blob                  -- Arrow IPC stream: its scoring_funnel_basis rows (null: none)
);
