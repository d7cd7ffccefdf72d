-- Mart: every dimension and composite score, stamped with the configuration version.
insert into scoring_staged_score (authority_code, period, "window", dimension, score, band, config_version, numerator, denominator)
select authority_code, period, "window", dimension, score, null, $config_version, numerator, denominator
from scoring_score_dimension
union all
select authority_code, period, "window", 'composite', score, band, $config_version, weighted_sum, weight_available
from scoring_score_composite
