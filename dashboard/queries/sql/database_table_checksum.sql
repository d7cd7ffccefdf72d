-- every row of one table read (DuckDB verifies each block's checksum as it reads): a damaged file fails
-- here; $table is a name from the database's own catalogue, bound as a value
select bit_xor(hash(t)) from query_table($table) as t
