-- the tables of the attached database (the handle's check: every table a page reads must be there)
select table_name
from duckdb_tables()
where database_name = $database
  and schema_name = 'main'
