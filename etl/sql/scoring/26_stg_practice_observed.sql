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
)
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
