-- Cross-authority consistency: each transfer record that can be judged (not pending, both sides' returns
-- in) is one unit for the sender and one for the receiver, in the month each should have reported it.
-- The unit scores 1 for a side not at fault and 0 for the side at fault; a disputed record (both
-- reported, counts differ) costs each side half a unit, since the returns cannot say which is wrong.
-- A record a side could not report because its return is missing costs nothing here (coverage).
create or replace temp table scoring_transfer_side as
with judged as (
    select * from scoring_transfer where fault in ('none', 'sender', 'receiver', 'disputed')
),
sides as (
    -- the sender, in the month it sent (or, for a receipt it never reported, the receiver's month)
    select from_code as authority_code, coalesce(case when sent is not null then period end, matched_period) as source_period,
           to_code as counterparty, 'sender' as side, sent, received, period, matched_period, status, fault,
           case fault when 'sender' then 1.0 when 'disputed' then 0.5 else 0.0 end as fault_share,
           -- the evidence: the receiver's row for a receipt the sender never reported, else the sender's own row
           case when fault = 'sender' then received_submission_id else sent_submission_id end as submission_id,
           case when fault = 'sender' then received_row_number else sent_row_number end as row_number
    from judged
    union all
    -- the receiver, in the month it recorded (or, for a receipt it never recorded, the month it was sent)
    select to_code, coalesce(matched_period, period), from_code, 'receiver', sent, received, period, matched_period, status, fault,
           case fault when 'receiver' then 1.0 when 'disputed' then 0.5 else 0.0 end,
           case when fault = 'receiver' then sent_submission_id else received_submission_id end,
           case when fault = 'receiver' then sent_row_number else received_row_number end
    from judged
)
, named as (
    select s.*, coalesce(a.name || ' (' || s.counterparty || ')', s.counterparty) as counterparty_name
    from sides as s
    left join ref_authority as a on a.gss_code = s.counterparty
)
select
    authority_code, source_period, counterparty, side, sent, received, period, matched_period, status, fault,
    1.0 as unit,
    1.0 - fault_share as reconciled,
    fault_share as loss,
    submission_id, row_number,
    case
        when fault_share = 0 then 'transfer_reconciled'
        when fault = 'disputed' then 'transfer_disputed'
        when side = 'receiver' then 'transfer_receipt_not_recorded'
        else 'transfer_sending_not_recorded'
    end as rule_id,
    case
        when fault_share = 0 then null
        when fault = 'receiver' then
            format('{} {} sent to you by {} in {} that your returns for {} and {} do not show',
                   sent, case when sent = 1 then 'record' else 'records' end, counterparty_name, strftime(period, '%Y-%m'), strftime(period, '%Y-%m'),
                   strftime(period + interval 1 month, '%Y-%m'))
        when fault = 'sender' then
            format('{} reported receiving {} {} from you in {}; your returns for {} and {} show no transfer to {}',
                   counterparty_name, received, case when received = 1 then 'record' else 'records' end, strftime(matched_period, '%Y-%m'),
                   strftime(matched_period - interval 1 month, '%Y-%m'), strftime(matched_period, '%Y-%m'), counterparty)
        when side = 'sender' then
            format('You reported sending {} {} to {} in {}; {} reported receiving {} in {} (disputed: half the unit each)',
                   sent, case when sent = 1 then 'record' else 'records' end, counterparty_name, strftime(period, '%Y-%m'), counterparty, received, strftime(matched_period, '%Y-%m'))
        else
            format('You reported receiving {} {} from {} in {}; {} reported sending {} in {} (disputed: half the unit each)',
                   received, case when received = 1 then 'record' else 'records' end, counterparty_name, strftime(matched_period, '%Y-%m'), counterparty, sent, strftime(period, '%Y-%m'))
    end as what,
    case
        when fault = 'receiver' then format('Record the receipt of the records {} sent (transfer_in from {}) and resubmit the return', counterparty_name, counterparty)
        when fault = 'sender' then format('Record the transfer to {} (transfer_out to {}) in the month you sent it and resubmit that return', counterparty_name, counterparty)
        else format('Agree the count with {} and resubmit whichever return is wrong', counterparty_name)
    end as fix
from named
