-- load_supersede: renumber the versions of one authority and period and mark which one is current.
-- $ids, $versions, $statuses, $currents are parallel lists (one element per changed submission).
update submission
set version = changes.version, status = changes.status, is_current = changes.is_current
from (
    select
        unnest($ids) as submission_id,
        unnest($versions) as version,
        unnest($statuses) as status,
        unnest($currents) as is_current
) as changes
where submission.submission_id = changes.submission_id
