-- Mart: the transfer reconciliation, one row per pairing (or unpaired record).
insert into scoring_staged_transfer_reconciliation (from_code, to_code, period, sent, received, matched_period, status, difference,
                                     pending, sent_submission_id, sent_row_number, received_submission_id, received_row_number, fault)
select from_code, to_code, period, sent, received, matched_period, status, difference,
       pending, sent_submission_id, sent_row_number, received_submission_id, received_row_number, fault
from scoring_transfer
