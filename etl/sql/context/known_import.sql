-- an import already stored with this content (idempotency by SHA-256)
select import_id, publication, file_name, superseded_by, summary_json
from context_import
where sha256 = $sha256
