-- the current editions of context publications: provenance for captions and downloads
select publication, file_name, sha256, imported_at, latest_period
from context_import
where superseded_by is null
order by publication
