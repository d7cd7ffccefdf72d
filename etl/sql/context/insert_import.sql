insert into context_import (
    publication, file_name, sha256, size_bytes, meta_file_name, meta_sha256, imported_at, latest_period,
    superseded_by, superseded_at, indicator_source, rows_read, values_stored, summary_json
)
values (
    $publication, $file_name, $sha256, $size_bytes, $meta_file_name, $meta_sha256, $imported_at, $latest_period,
    $superseded_by, case when $superseded_by is null then null else $imported_at end, $indicator_source,
    $rows_read, $values_stored, $summary_json
)
returning import_id
