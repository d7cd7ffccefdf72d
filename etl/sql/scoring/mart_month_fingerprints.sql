-- Which months of one mart the rescore changed: per month, the staged rows (this rescore's) and the
-- stored rows are fingerprinted by how many they are and the sum of a 64-bit hash of each whole row (the
-- same rows in any order give the same pair). {staged} and {stored} are replaced by etl/scoring/marts.py
-- with table names from its fixed list of marts. One row per month either holds.
with staged as (
    select period, count(*) as row_count, sum(hash(t)::hugeint) as row_hashes
    from {staged} as t
    group by period
),
stored as (
    select period, count(*) as row_count, sum(hash(t)::hugeint) as row_hashes
    from {stored} as t
    group by period
)
select coalesce(staged.period, stored.period) as period,
       staged.row_count is distinct from stored.row_count or staged.row_hashes is distinct from stored.row_hashes as differs
from staged
full join stored on stored.period = staged.period
order by period
