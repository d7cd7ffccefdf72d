-- 007: the reference tables are refilled from the built reference data (data/reference) by the first
-- write session after this migration, whatever that session does. Release d5d8acd moved the Prevent
-- priority areas into ref_prevent_priority_area, which until then only a context import filled: a
-- database that never had one would otherwise score without the priority-area covariate until its next
-- load. etl.db.sync_reference_if_due reads this marker; sync_reference removes it.

insert or replace into meta (key, value) values ('reference_sync_due', 'true');
