-- Practice losses, one per item not earned: a declaration of 0 (or none), a declaration of 1 that the
-- evidence contradicts (both numbers shown), and observed practice beyond England's 99.8% limit.
create or replace temp table scoring_loss_practice as
with lost as (
    select *,
           case when absent then
           format('never used in {} {} over the {} months to {}, against England''s {}%; posterior probability the practice is absent {}%',
                  denominator_evidence, case when contradicted_by = 'share_previous_records_received' or item = 'share_previous_records_received'
                                             then 'families moved in' else 'concerns' end,
                  evidence_months, strftime(period, '%Y-%m'), printf('%.1f', 100 * target_evidence), printf('%.0f', 100 * absent_probability))
           else
           format('{} of {} ({}%) over the {} months to {}, against England''s {}%{} (99.8% limit {}%){}',
                  numerator_evidence, denominator_evidence, printf('%.1f', 100 * share_evidence), evidence_months,
                  strftime(period, '%Y-%m'), printf('%.1f', 100 * target_evidence),
                  case when folded_note is not null then ' for the same categories' else '' end,
                  printf('%.1f', 100 * limit_evidence),
                  -- harmonised categories (practice_evidence_input.sql): which split categories were folded
                  coalesce(folded_note, '')) end as evidence_text
    from scoring_practice
    where not earned and share > 0
)
select
    authority_code, period as source_period, 'practice' as dimension,
    case when kind = 'declaration' and coalesce(declared, 0) = 1 then 'practice_contradiction.' || item
         when kind = 'declaration' then 'practice.' || item
         else 'practice_evidence.' || item end as rule_id,
    share as loss, submission_id, source_row as row_number,
    case
        when kind = 'declaration' and coalesce(declared, 0) = 1 then
            format('{} is declared 1 (yes) but the returns contradict it: {} is {}', item, contradicted_by, evidence_text)
        when kind = 'declaration' and declared is null then format('{} was not declared in the return for {}', item, strftime(period, '%Y-%m'))
        when kind = 'declaration' then format('{} was declared 0 (no) in the return for {}', item, strftime(period, '%Y-%m'))
        when absent then format('{} suggests the practice is absent: {}', item, evidence_text)
        else format('{} is significantly {}: {}', item, case when adverse = 'low' then 'low' else 'high' end, evidence_text)
    end as what,
    case when kind = 'declaration' and coalesce(declared, 0) = 1 then 'the returns bear the declaration out'
         when kind = 'declaration' then 'adopted and declared 1'
         else 'recorded in line with England' end as gain,
    case
        when kind = 'declaration' and coalesce(declared, 0) = 1 then
            format('Check that the practice {} is really in place and recorded, or declare 0 until it is', item)
        when kind = 'declaration' then format('Adopt the practice {} and declare it as 1 in the practice section', item)
        when item = 'share_family_member_known' then 'Record FAMILY_MEMBER_KNOWN_TO_PREVENT for every concern where a family member is known to Prevent'
        when item = 'share_other_mixed' then 'Code concern types with the national categories; keep OTHER and MIXED_UNCLEAR_UNSTABLE for concerns that fit none'
        when item = 'share_shared_with_ct_police' then 'Record SHARED_WITH_CT_POLICE for every concern shared with counter-terrorism policing'
        when item = 'share_previous_records_received' then 'Request the previous authority''s records for every family that moved in, and record PREVIOUS_AUTHORITY_RECORDS_RECEIVED'
        else 'Check how this is recorded against the return standard'
    end as fix
from lost
