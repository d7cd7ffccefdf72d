-- older editions of a publication give way to the newer one (kept, pointing at it)
update context_import
set superseded_by = $import_id, superseded_at = $now
where import_id in (select unnest($older))
  and superseded_by is null
