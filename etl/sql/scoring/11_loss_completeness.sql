-- What completeness each return lost, by section and cause, in units of its denominator.
create or replace temp table scoring_loss_completeness as
with causes as (
    select
        *,
        total - known as unknown,
        case when present then total - known - unaccounted else 0 end as loss_not_recorded
    from scoring_completeness_section
    where total > 0
)
select
    authority_code, period as source_period, 'completeness' as dimension,
    'not_recorded.' || section as rule_id, cast(loss_not_recorded as double) as loss,
    submission_id, not_recorded_row as row_number,
    format('{} of {} concerns in {} had no {} recorded (NOT_RECORDED)', loss_not_recorded, total, strftime(period, '%Y-%m'), label) as what,
    'recorded' as gain,
    format('Record the {} for every concern; NOT_RECORDED counts as unknown', label) as fix
from causes where loss_not_recorded > 0
union all
select
    authority_code, period, 'completeness', 'unaccounted.' || section, cast(unaccounted as double),
    submission_id, first_row,
    format('{} of {} concerns in {} were missing from the {} breakdown (it sums to {})', unaccounted, total, strftime(period, '%Y-%m'), label, section_sum),
    'every concern is counted',
    format('Count every concern once in the {} section (use NOT_RECORDED when unknown)', label)
from causes where present and unaccounted > 0
union all
select
    authority_code, period, 'completeness', 'section_missing.' || section, cast(total as double),
    submission_id, null,
    format('The {} section was missing from the return for {} ({} concerns)', label, strftime(period, '%Y-%m'), total),
    'provided',
    format('Add the {} section to the return (the template lists its categories)', label)
from causes where not present
