-- 008: fits of the zero-inflated beta-binomial behind the "practice absent" verdicts (etl/scoring/proportion.py).
-- A fit is deterministic in its inputs, which the key digests (the counts of the window, the covariate
-- classes, the starting fit, the settings and the fitting code's version), so a rescore refits only the
-- windows whose counts changed. The scoring keeps exactly the fits its last rescore used.
create table practice_fit (
    fit_key        varchar primary key,  -- sha256 of the fit's inputs
    pi             double[] not null,    -- share of units that never use the practice, per covariate class
    a              double not null,      -- beta-binomial shape of the users
    b              double not null,
    log_likelihood double not null
);
