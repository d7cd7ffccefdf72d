-- scored_state_inputs: digests of everything the scores are computed from, read from the database
-- itself (not from what a run did): the stored returns and their version chains, the reference
-- tables, and the schema version. One row. Each digest is an md5 over the rows in a fixed order.
with submission_rows as (
    select submission_id, sha256, authority_code, period, received_at, version, status, is_current,
        validation_status
    from submission
),
submissions as (
    select md5(coalesce(string_agg(s::varchar, chr(10) order by s.submission_id), '')) as digest
    from submission_rows as s
),
regions as (
    select md5(coalesce(string_agg(r::varchar, chr(10) order by r::varchar), '')) as digest from ref_region as r
),
authorities as (
    select md5(coalesce(string_agg(a::varchar, chr(10) order by a::varchar), '')) as digest from ref_authority as a
),
populations as (
    select md5(coalesce(string_agg(p::varchar, chr(10) order by p::varchar), '')) as digest from ref_population as p
),
neighbours as (
    select md5(coalesce(string_agg(n::varchar, chr(10) order by n::varchar), '')) as digest
    from ref_statistical_neighbour as n
),
priority_areas as (
    select md5(coalesce(string_agg(p::varchar, chr(10) order by p::varchar), '')) as digest
    from ref_prevent_priority_area as p
)
select
    submissions.digest as submissions,
    regions.digest || authorities.digest || populations.digest || neighbours.digest || priority_areas.digest
        as reference,
    (select cast(max(version) as integer) from schema_migrations) as schema_version
from submissions, regions, authorities, populations, neighbours, priority_areas
