-- The statements that define one mart of this database: its create table (columns, defaults, constraints)
-- first, then any index on it. The scoring replaces a whole mart by dropping it and running these again
-- (etl/scoring/marts.py).
select sql, 0 as step
from duckdb_tables()
where database_name = current_database() and schema_name = 'main' and table_name = $table
union all
select sql, 1 as step
from duckdb_indexes()
where database_name = current_database() and schema_name = 'main' and table_name = $table and sql is not null
order by step
