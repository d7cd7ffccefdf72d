-- the current (not superseded) imports of one publication
select import_id, file_name, latest_period
from context_import
where publication = $publication
  and superseded_by is null
order by import_id
