-- Cross-authority consistency: each side of each transfer record is one unit for the authority that
-- reported it; it scores 1 when the record reconciles. Pending records are left out until due.
create or replace temp table scoring_transfer_side as
with sides as (
    select from_code as authority_code, period as source_period, to_code as counterparty, 'sent' as side,
           sent as reported, received as other, status, sent_submission_id as submission_id,
           sent_row_number as row_number, period as sent_period, matched_period
    from scoring_transfer
    where sent is not null and not pending
    union all
    select to_code, matched_period, from_code, 'received', received, sent, status,
           received_submission_id, received_row_number, period, matched_period
    from scoring_transfer
    where received is not null
)
select
    *,
    case when status = 'matched' then 1.0 else 0.0 end as reconciled,
    case
        when status = 'matched' then null
        when side = 'sent' and other is null then
            format('Sent {} concern record(s) to {} in {}; {} reported receiving none in {} or the month after',
                   reported, counterparty, strftime(source_period, '%Y-%m'), counterparty, strftime(source_period, '%Y-%m'))
        when side = 'sent' then
            format('Sent {} concern record(s) to {} in {}; {} reported receiving {}',
                   reported, counterparty, strftime(source_period, '%Y-%m'), counterparty, other)
        when other is null then
            format('Received {} concern record(s) from {} in {}; {} reported sending none in {} or the month before',
                   reported, counterparty, strftime(source_period, '%Y-%m'), counterparty, strftime(source_period, '%Y-%m'))
        else
            format('Received {} concern record(s) from {} in {}; {} reported sending {} in {}',
                   reported, counterparty, strftime(source_period, '%Y-%m'), counterparty, other, strftime(sent_period, '%Y-%m'))
    end as what
from sides
