-- Transfers reconciled: A's transfer_out to B in month p against B's transfer_in from A in p or p+1.
-- Pairing runs in stages, each on what earlier stages left: equal counts in the same month, equal
-- counts in the next month, then different counts in the same month, then in the next (disputed).
-- Every record is used once: a return holds one row per counterparty, so each stage is one-to-one.
-- fault: none (matched) | receiver (the receiver's returns for the month and the next are in and do
-- not show it) | sender (the sender's returns for the month and the one before are in and do not show
-- it) | disputed (both reported, counts differ) | pending (the receiver's next month is not in yet and
-- not yet due) | no_return (a side has no return for a month that could hold it: coverage scores that).
create or replace temp table scoring_transfer as
with sent as (
    select authority_code as from_code, category as to_code, period, count as sent,
           submission_id as sent_submission_id, source_row as sent_row_number
    from scoring_count
    where section = 'transfer_out' and count > 0
),
received as (
    select category as from_code, authority_code as to_code, period as received_period, count as received,
           submission_id as received_submission_id, source_row as received_row_number
    from scoring_count
    where section = 'transfer_in' and count > 0
),
stage1 as (
    select s.from_code, s.to_code, s.period, s.sent, s.sent_submission_id, s.sent_row_number, r.received_period, r.received, r.received_submission_id, r.received_row_number, 'matched' as status
    from sent as s
    join received as r
      on r.from_code = s.from_code and r.to_code = s.to_code
     and r.received_period = s.period and r.received = s.sent
),
sent1 as (select * from sent anti join stage1 using (from_code, to_code, period)),
received1 as (select * from received anti join stage1 using (from_code, to_code, received_period)),
stage2 as (
    select s.from_code, s.to_code, s.period, s.sent, s.sent_submission_id, s.sent_row_number, r.received_period, r.received, r.received_submission_id, r.received_row_number, 'matched' as status
    from sent1 as s
    join received1 as r
      on r.from_code = s.from_code and r.to_code = s.to_code
     and r.received_period = s.period + interval 1 month and r.received = s.sent
),
sent2 as (select * from sent1 anti join stage2 using (from_code, to_code, period)),
received2 as (select * from received1 anti join stage2 using (from_code, to_code, received_period)),
stage3 as (
    select s.from_code, s.to_code, s.period, s.sent, s.sent_submission_id, s.sent_row_number, r.received_period, r.received, r.received_submission_id, r.received_row_number, 'disputed' as status
    from sent2 as s
    join received2 as r
      on r.from_code = s.from_code and r.to_code = s.to_code and r.received_period = s.period
),
sent3 as (select * from sent2 anti join stage3 using (from_code, to_code, period)),
received3 as (select * from received2 anti join stage3 using (from_code, to_code, received_period)),
stage4 as (
    select s.from_code, s.to_code, s.period, s.sent, s.sent_submission_id, s.sent_row_number, r.received_period, r.received, r.received_submission_id, r.received_row_number, 'disputed' as status
    from sent3 as s
    join received3 as r
      on r.from_code = s.from_code and r.to_code = s.to_code
     and r.received_period = s.period + interval 1 month
),
sent4 as (select * from sent3 anti join stage4 using (from_code, to_code, period)),
received4 as (select * from received3 anti join stage4 using (from_code, to_code, received_period)),
paired as (
    select * from stage1
    union all select * from stage2
    union all select * from stage3
    union all select * from stage4
),
only_sent as (
    select from_code, to_code, period, sent, sent_submission_id, sent_row_number,
           cast(null as date) as received_period, cast(null as bigint) as received,
           cast(null as bigint) as received_submission_id, cast(null as integer) as received_row_number,
           'unmatched' as status
    from sent4
),
only_received as (
    select from_code, to_code, received_period as period, cast(null as bigint) as sent,
           cast(null as bigint) as sent_submission_id, cast(null as integer) as sent_row_number,
           received_period, received, received_submission_id, received_row_number, 'unmatched' as status
    from received4
),
everything as (
    select * from paired
    union all select * from only_sent
    union all select * from only_received
),
-- Who is at fault, from the evidence of the returns that are in (docs/methodology.md, "Transfers"):
-- a month "in" has a current accepted/queried return; a month "owed" is one the authority owes.
latest as (select max(period) as last_period from scoring_scope_period),
returned as (select authority_code, period from scoring_return),
owed as (select authority_code, period, due from scoring_expected),
judged as (
    select
        x.*,
        rp.period is not null as receiver_has_p,
        rn.period is not null as receiver_has_next,
        coalesce(onx.due, false) as receiver_next_due,
        onx.period is not null as receiver_owes_next,
        sp.period is not null as sender_has_q,
        spb.period is not null as sender_has_before,
        osb.period is not null as sender_owes_before
    from everything as x
    left join returned as rp on rp.authority_code = x.to_code and rp.period = x.period
    left join returned as rn on rn.authority_code = x.to_code and rn.period = x.period + interval 1 month
    left join owed as onx on onx.authority_code = x.to_code and onx.period = x.period + interval 1 month
    left join returned as sp on sp.authority_code = x.from_code and sp.period = x.received_period
    left join returned as spb on spb.authority_code = x.from_code and spb.period = x.received_period - interval 1 month
    left join owed as osb on osb.authority_code = x.from_code and osb.period = x.received_period - interval 1 month
)
select
    from_code, to_code, cast(period as date) as period, sent, received, cast(received_period as date) as matched_period, status,
    received - sent as difference,
    -- sent, not yet seen, and the receiver's next month is not in and not yet due (or not in scope):
    -- its next return may still show it, so nobody loses points yet
    (status = 'unmatched' and received is null and not receiver_has_next
     and ((receiver_owes_next and not receiver_next_due) or period >= (select last_period from latest))) as pending,
    case
        when status = 'matched' then 'none'
        when status = 'disputed' then 'disputed'
        when received is null and not receiver_has_next
             and ((receiver_owes_next and not receiver_next_due) or period >= (select last_period from latest)) then 'pending'
        -- the receiver's returns that could show it are in (the next month only if it owes one)
        when received is null and receiver_has_p and (receiver_has_next or not receiver_owes_next) then 'receiver'
        when received is null then 'no_return'
        when sender_has_q and (sender_has_before or not sender_owes_before) then 'sender'
        else 'no_return'
    end as fault,
    sent_submission_id, sent_row_number, received_submission_id, received_row_number
from judged
