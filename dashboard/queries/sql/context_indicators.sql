-- indicators of the current editions, with the publication and file they come from
select distinct v.indicator, v.publication, i.file_name, i.imported_at, d.label, d.unit
from context_current as v
join context_import as i using (import_id)
left join context_indicator as d on d.import_id = v.import_id and d.indicator = v.indicator
order by v.publication, v.indicator
