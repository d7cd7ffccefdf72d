insert into context_indicator (import_id, indicator, label, unit, decimal_places, source)
select $import_id, unnest($indicator), unnest($label), unnest($unit), unnest($decimal_places), unnest($source)
