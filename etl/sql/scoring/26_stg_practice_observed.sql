-- Observed practice: what the returns show, per authority and month, pooled over the 12 months ending in
-- the month (the measures shown) and over the $evidence_months and $long_evidence_months months ending in
-- it (the evidence judged against England in etl/scoring/evidence.py: a recent change shows in the
-- shorter window, a rare flag never used in the longer one). Each measure is a count out of a count:
--   share_family_member_known        FAMILY_MEMBER_KNOWN_TO_PREVENT / total           (adverse: low)
--   share_shared_with_ct_police      SHARED_WITH_CT_POLICE / total                    (adverse: low)
--   share_other_mixed                concern_type OTHER + MIXED_UNCLEAR_UNSTABLE / total (adverse: high)
--   share_concern_type_not_recorded  concern_type NOT_RECORDED / total                (adverse: high)
--   share_previous_records_received  PREVIOUS_AUTHORITY_RECORDS_RECEIVED / MOVED_IN_LAST_12_MONTHS (adverse: low)
--   share_transfers_in_recorded      records received and recorded / records sent to the authority (adverse: low)
--   share_transfers_out_recorded     records sent and recorded / records others recorded receiving from it (adverse: low)
-- Transfers count only records that can be judged (not pending, both sides' returns in).
-- share_other_mixed is compared like with like (docs/methodology.md, "Harmonised categories"): per window,
-- the split categories of MIXED_UNCLEAR_UNSTABLE (scoring_cfg_mixed_split: [practice] mixed_splits) the authority did
-- not use at all are taken as folded into MIXED_UNCLEAR_UNSTABLE, and England's share of them is added to
-- its target: fold12 / fold_evidence / fold_long = sum over those categories of England's pooled share
-- (sum of their counts / sum of totals over all authorities, same window), folded_evidence /
-- folded_long = their codes, comma-separated (null when none is folded; null for the other measures).
create or replace temp table scoring_practice_observed as
with counts as (
    select authority_code, period, section, category, count from scoring_count
    where section = 'flag' or (section = 'concern_type' and category in ('OTHER', 'MIXED_UNCLEAR_UNSTABLE', 'NOT_RECORDED'))
),
flags as (
    select r.authority_code, r.period, r.total,
           coalesce(sum(c.count) filter (where c.section = 'flag' and c.category = 'FAMILY_MEMBER_KNOWN_TO_PREVENT'), 0) as family,
           coalesce(sum(c.count) filter (where c.section = 'flag' and c.category = 'SHARED_WITH_CT_POLICE'), 0) as police,
           coalesce(sum(c.count) filter (where c.section = 'concern_type' and c.category in ('OTHER', 'MIXED_UNCLEAR_UNSTABLE')), 0) as other_mixed,
           coalesce(sum(c.count) filter (where c.section = 'concern_type' and c.category = 'NOT_RECORDED'), 0) as not_recorded,
           coalesce(sum(c.count) filter (where c.section = 'flag' and c.category = 'PREVIOUS_AUTHORITY_RECORDS_RECEIVED'), 0) as previous,
           coalesce(sum(c.count) filter (where c.section = 'flag' and c.category = 'MOVED_IN_LAST_12_MONTHS'), 0) as moved
    from scoring_return as r
    left join counts as c using (authority_code, period)
    group by all
),
per_return as (
    select authority_code, period, 'share_family_member_known' as measure, least(family, total) as numerator, total as denominator from flags
    union all select authority_code, period, 'share_shared_with_ct_police', least(police, total), total from flags
    union all select authority_code, period, 'share_other_mixed', least(other_mixed, total), total from flags
    union all select authority_code, period, 'share_concern_type_not_recorded', least(not_recorded, total), total from flags
    union all select authority_code, period, 'share_previous_records_received', least(previous, moved), moved from flags
),
transfers as (
    select to_code as authority_code, period, 'share_transfers_in_recorded' as measure,
           sum(least(coalesce(received, 0), sent)) as numerator, sum(sent) as denominator
    from scoring_transfer
    where fault in ('none', 'receiver', 'disputed') and sent is not null
    group by all
    union all
    select from_code, matched_period, 'share_transfers_out_recorded',
           sum(least(coalesce(sent, 0), received)), sum(received)
    from scoring_transfer
    where fault in ('none', 'sender', 'disputed') and received is not null
    group by all
),
monthly as (
    select authority_code, period, measure, cast(sum(numerator) as bigint) as numerator, cast(sum(denominator) as bigint) as denominator
    from (select * from per_return union all select * from transfers)
    group by all
),
grid as (
    select e.authority_code, e.period, m.measure
    from scoring_expected as e
    cross join (select distinct measure from monthly) as m
),
filled as (
    select g.authority_code, g.period, g.measure,
           coalesce(m.numerator, 0) as numerator, coalesce(m.denominator, 0) as denominator
    from grid as g
    left join monthly as m using (authority_code, period, measure)
),
split_monthly as (
    -- each split category's count per authority and month (0 without a return or without the category)
    select e.authority_code, e.period, s.category, s.position,
           least(coalesce(c.count, 0), coalesce(r.total, 0)) as split_count, coalesce(r.total, 0) as split_total
    from scoring_expected as e
    cross join scoring_cfg_mixed_split as s
    left join scoring_return as r using (authority_code, period)
    left join scoring_count as c
      on c.submission_id = r.submission_id and c.section = 'concern_type' and c.category = s.category
),
split_window as (
    select authority_code, period, category, position,
           sum(split_count) over w12 as count12, sum(split_total) over w12 as total12,
           sum(split_count) over we as count_evidence, sum(split_total) over we as total_evidence,
           sum(split_count) over wl as count_long, sum(split_total) over wl as total_long
    from split_monthly
    window w12 as (partition by authority_code, category order by period range between interval 11 months preceding and current row),
           we as (partition by authority_code, category order by period
                  range between to_months(cast($evidence_months as integer) - 1) preceding and current row),
           wl as (partition by authority_code, category order by period
                  range between to_months(cast($long_evidence_months as integer) - 1) preceding and current row)
),
split_england as (
    -- England's pooled share of each split category in each window ending in the period
    select period, category,
           sum(count12) / nullif(sum(total12), 0) as england12,
           sum(count_evidence) / nullif(sum(total_evidence), 0) as england_evidence,
           sum(count_long) / nullif(sum(total_long), 0) as england_long
    from split_window
    group by all
),
fold as (
    -- per authority and window, the split categories it did not use (where it had concerns) and England's share of them
    select w.authority_code, w.period, 'share_other_mixed' as measure,
           coalesce(sum(g.england12) filter (where w.count12 = 0 and w.total12 > 0), 0) as fold12,
           coalesce(sum(g.england_evidence) filter (where w.count_evidence = 0 and w.total_evidence > 0), 0) as fold_evidence,
           coalesce(sum(g.england_long) filter (where w.count_long = 0 and w.total_long > 0), 0) as fold_long,
           nullif(string_agg(w.category, ', ' order by w.position) filter (where w.count_evidence = 0 and w.total_evidence > 0), '') as folded_evidence,
           nullif(string_agg(w.category, ', ' order by w.position) filter (where w.count_long = 0 and w.total_long > 0), '') as folded_long
    from split_window as w
    join split_england as g using (period, category)
    group by all
),
windowed as (
    select authority_code, period, measure,
           cast(sum(numerator) over w12 as bigint) as numerator12,
           cast(sum(denominator) over w12 as bigint) as denominator12,
           cast(sum(numerator) over we as bigint) as numerator_evidence,
           cast(sum(denominator) over we as bigint) as denominator_evidence,
           cast(sum(numerator) over wl as bigint) as numerator_long,
           cast(sum(denominator) over wl as bigint) as denominator_long,
           case when measure in ('share_other_mixed', 'share_concern_type_not_recorded') then 'high' else 'low' end as adverse
    from filled
    window w12 as (partition by authority_code, measure order by period range between interval 11 months preceding and current row),
           we as (partition by authority_code, measure order by period
                  range between to_months(cast($evidence_months as integer) - 1) preceding and current row),
           wl as (partition by authority_code, measure order by period
                  range between to_months(cast($long_evidence_months as integer) - 1) preceding and current row)
)
select w.*,
       case when w.measure = 'share_other_mixed' then coalesce(f.fold12, 0) end as fold12,
       case when w.measure = 'share_other_mixed' then coalesce(f.fold_evidence, 0) end as fold_evidence,
       case when w.measure = 'share_other_mixed' then coalesce(f.fold_long, 0) end as fold_long,
       f.folded_evidence, f.folded_long
from windowed as w
left join fold as f using (authority_code, period, measure)
