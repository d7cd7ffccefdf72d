-- Mart: flags from the funnel (its basis, already written), step changes (CUSUM), observed practice and
-- its contradictions with the declarations, transfers not recorded, nil-return runs, rejected and resubmitted returns.
insert into scoring_staged_flag (authority_code, period, flag_type, measure, value, detail)
with basis as (
    -- What each point's flag compares with (written by the funnel step): England's funnel, or the
    -- risk-adjusted expectation for the authority's region and Prevent priority-area status; over the
    -- rolling 12 months, or one pooled window of [funnel] flag_window_months for the flag measures.
    select * from scoring_funnel_basis
),
funnel as (
    -- Over 12 months, significantly low/high needs sustained evidence: beyond the 99.8% limit over the 12
    -- months to p and beyond the 95% limit on the same side over the 12 months to p - 12 (two disjoint
    -- years). Beyond 99.8% in one year only is a warning: drift and chance excursions of clean
    -- authorities across some 60 overlapping windows would otherwise be flagged as under-recording. A
    -- longer pooled window already spans the years: beyond its 99.8% limit is enough. Only the measures
    -- in [funnel] flag_measures raise the significant flags; the others show warnings.
    select p.authority_code, p.period, p.measure, p.rate, p.flag, p.lower95, p.upper95, p.lower998, p.upper998,
           p.window_months, p.primary_measure,
           case when p.comparator = 'risk_adjusted'
                then format('{} expected for its region and Prevent priority-area status (England {})',
                            printf('%.1f', p.expected_rate), printf('%.1f', p.england_rate))
                else format('England {}', printf('%.1f', p.england_rate)) end as against,
           case when p.window_months > 12 then p.flag in ('low_998', 'high_998')
                else (p.flag = 'low_998' and q.flag in ('low_95', 'low_998')) or (p.flag = 'high_998' and q.flag in ('high_95', 'high_998'))
           end as sustained,
           q.rate as rate_before, q.lower95 as lower95_before, q.upper95 as upper95_before
    from basis as p
    left join basis as q
      on q.authority_code = p.authority_code and q.measure = p.measure and q.window_months = p.window_months
     and q.period = p.period - interval 12 month and p.window_months = 12
    where p.flag <> 'in_control'
),
typed as (
    select *,
           case when primary_measure and sustained and flag = 'low_998' then 'significantly_low'
                when primary_measure and sustained and flag = 'high_998' then 'significantly_high'
                when flag in ('low_998', 'low_95') then 'warning_low'
                else 'warning_high' end as flag_type,
           case when window_months = 12 then 'Rolling 12-month rate' else format('Rate over the {} months to {}', window_months, strftime(period, '%Y-%m')) end as what,
           case when window_months = 12 then format('; the year before, {} against a 95% limit of {}', printf('%.1f', rate_before),
                                                    printf('%.1f', lower95_before)) else '' end as before_low,
           case when window_months = 12 then format('; the year before, {} against a 95% limit of {}', printf('%.1f', rate_before),
                                                    printf('%.1f', upper95_before)) else '' end as before_high
    from funnel
)
select authority_code, period, flag_type, measure, rate,
       case
           when flag_type = 'significantly_low' then format('Significantly low: possible under-recording. {} {} per 10,000 children against {}, below the 99.8% limit {}{}', what, printf('%.1f', rate), against, printf('%.1f', lower998), before_low)
           when flag_type = 'significantly_high' then format('Significantly high: {} {} per 10,000 children against {}, above the 99.8% limit {}{}', lower(what[1]) || what[2:], printf('%.1f', rate), against, printf('%.1f', upper998), before_high)
           when flag in ('low_998', 'low_95') then format('Low (warning): {} {} per 10,000 children against {}, below the {} limit {}{}', lower(what[1]) || what[2:], printf('%.1f', rate), against,
                case when flag = 'low_998' then '99.8%' else '95%' end, printf('%.1f', case when flag = 'low_998' then lower998 else lower95 end),
                case when flag = 'low_998' and sustained then ', sustained over two years on a measure that does not raise the significantly low flag'
                     when flag = 'low_998' then ', not yet sustained over two years' else '' end)
           else format('High (warning): {} {} per 10,000 children against {}, above the {} limit {}{}', lower(what[1]) || what[2:], printf('%.1f', rate), against,
                case when flag = 'high_998' then '99.8%' else '95%' end, printf('%.1f', case when flag = 'high_998' then upper998 else upper95 end),
                case when flag = 'high_998' and sustained then ', sustained over two years on a measure that does not raise the significantly high flag'
                     when flag = 'high_998' then ', not yet sustained over two years' else '' end)
       end
from typed
union all
select authority_code, period, 'sudden_change', direction, total,
       format('A sudden {}: {} concerns in the {} {} {} to {} against about {} expected from the authority''s usual {} a month (negative-binomial CUSUM {} above its threshold {}); {}',
              direction, printf('%.0f', observed), months, case when months = 1 then 'month' else 'months' end, strftime(first_period, '%Y-%m'), strftime(period, '%Y-%m'),
              printf('%.1f', expected), printf('%.1f', level), printf('%.1f', statistic), printf('%.1f', threshold),
              case when direction = 'drop' then 'check whether concerns stopped being recorded' else 'check for double counting or a change of definition' end)
from scoring_sudden_change
union all
select p.authority_code, p.period, 'practice_contradiction', p.item, 100.0 * p.share_evidence,
       case when p.absent then
       format('Declares {} = 1, but the returns never show {}: never used in {} concerns over the {} months to {}, against England''s {}%; posterior probability the practice is absent {}% (zero-inflated beta-binomial)',
              p.item,
              case p.contradicted_by when 'share_family_member_known' then 'FAMILY_MEMBER_KNOWN_TO_PREVENT'
                                     when 'share_other_mixed' then 'concern types OTHER or MIXED_UNCLEAR_UNSTABLE'
                                     else p.contradicted_by end,
              p.denominator_evidence, evidence_months, strftime(p.period, '%Y-%m'),
              printf('%.1f', 100 * p.target_evidence), printf('%.0f', 100 * p.absent_probability))
       else
       format('Declares {} = 1, but the returns show {} in {} of {} ({}%) over the {} months to {}, against England''s {}%{} (99.8% limit {}%){}',
              p.item,
              case p.contradicted_by when 'share_family_member_known' then 'FAMILY_MEMBER_KNOWN_TO_PREVENT'
                                     when 'share_other_mixed' then 'concern types OTHER or MIXED_UNCLEAR_UNSTABLE'
                                     else p.contradicted_by end,
              p.numerator_evidence, p.denominator_evidence, printf('%.1f', 100 * p.share_evidence), evidence_months,
              strftime(p.period, '%Y-%m'), printf('%.1f', 100 * p.target_evidence),
              case when p.folded_note is not null then ' for the same categories' else '' end,
              printf('%.1f', 100 * p.limit_evidence),
              -- harmonised categories (practice_evidence_input.sql): which split categories were folded
              coalesce(p.folded_note, ''))
       end
from scoring_practice as p
where p.kind = 'declaration' and coalesce(p.declared, 0) = 1 and p.is_adverse
union all
select e.authority_code, e.period,
       case when e.measure = 'share_transfers_in_recorded' then 'transfers_not_recorded'
            when e.measure = 'share_transfers_out_recorded' then 'transfers_sending_not_recorded'
            when e.adverse = 'low' then 'practice_low' else 'practice_high' end,
       e.measure, 100.0 * e.share_evidence,
       case when e.absent then
       format('{}: never used in {} {} over the {} months to {}, against England''s {}%; posterior probability the practice is absent {}% (zero-inflated beta-binomial)',
              case e.measure
                  when 'share_family_member_known' then 'FAMILY_MEMBER_KNOWN_TO_PREVENT'
                  when 'share_shared_with_ct_police' then 'SHARED_WITH_CT_POLICE'
                  when 'share_previous_records_received' then 'PREVIOUS_AUTHORITY_RECORDS_RECEIVED'
                  else e.measure end,
              e.denominator_evidence,
              case when e.measure = 'share_previous_records_received' then 'families moved in' else 'concerns' end,
              evidence_months, strftime(e.period, '%Y-%m'), printf('%.1f', 100 * e.target_evidence),
              printf('%.0f', 100 * e.absent_probability))
       else
       format('{}: {} of {} ({}%) over the {} months to {}, against England''s {}%{} (99.8% limit {}%): {}{}',
              case e.measure
                  when 'share_transfers_in_recorded' then 'Records sent to the authority that its returns show as received'
                  when 'share_transfers_out_recorded' then 'Records other authorities received from it that its returns show as sent'
                  when 'share_family_member_known' then 'Concerns flagged FAMILY_MEMBER_KNOWN_TO_PREVENT'
                  when 'share_shared_with_ct_police' then 'Concerns flagged SHARED_WITH_CT_POLICE'
                  when 'share_other_mixed' then 'Concerns typed OTHER or MIXED_UNCLEAR_UNSTABLE'
                  when 'share_concern_type_not_recorded' then 'Concerns with no concern type (NOT_RECORDED)'
                  when 'share_previous_records_received' then 'Families moved in whose previous authority''s records were received'
                  else e.measure end,
              e.numerator_evidence, e.denominator_evidence, printf('%.1f', 100 * e.share_evidence), evidence_months,
              strftime(e.period, '%Y-%m'), printf('%.1f', 100 * e.target_evidence),
              case when e.folded_note is not null then ' for the same categories' else '' end,
              printf('%.1f', 100 * e.limit_evidence),
              case when e.adverse = 'low' then 'significantly low' else 'significantly high' end,
              coalesce(e.folded_note, ''))
       end
from scoring_practice_evidence as e
join scoring_return as r using (authority_code, period)
where e.is_adverse
union all
select authority_code, period, 'nil_return_run', 'total', months,
       format('{} consecutive nil returns from {} to {} where about {} concerns a month are usual (the mean of its {} '
              'other returns); a run this long at that level has probability {} ({})',
              months, strftime(first_period, '%Y-%m'), strftime(last_period, '%Y-%m'),
              printf(case when typical_total < 1 then '%.2f' else '%.1f' end, typical_total), other_returns,
              case when log_probability < ln(1e-300) then 'below 1e-300' else printf('%.1e', probability) end,
              case when shape is null then 'Poisson: counts not overdispersed'
                   else format('negative binomial, England''s shape {}', printf('%.1f', shape)) end)
from scoring_nil_run
union all
select s.authority_code, s.period, 'rejected_return', null, null,
       format('{} was rejected ({} {}); fix them and resubmit', s.file_name, e.errors, case when e.errors = 1 then 'error' else 'errors' end)
from submission as s
cross join lateral (select count(*) as errors from validation_issue as i
                    where i.submission_id = s.submission_id and i.severity = 'error') as e
where s.status = 'rejected' and s.authority_code is not null and s.period is not null
union all
select s.authority_code, s.period, 'resubmitted', null, s.version,
       format('Version {} of the return for {} replaced an earlier one ({})', s.version, strftime(s.period, '%Y-%m'), s.file_name)
from submission as s
where s.is_current and s.version > 1 and s.status in ('accepted', 'queried')
