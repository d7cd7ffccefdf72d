-- whether the database already holds the context tables (a database from before migration 006 does not)
select count(*) > 0 from information_schema.tables where table_name = 'context_import'
