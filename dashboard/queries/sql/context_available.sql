-- whether the database holds context data (a database from before migration 006 has no such table)
select
    count(*) filter (where table_name = 'context_import') > 0 as has_context,
    count(*) filter (where table_name = 'ref_prevent_priority_area') > 0 as has_priority_areas
from information_schema.tables
