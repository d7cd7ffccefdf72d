-- key/value facts about the database (e.g. contains_synthetic_data)
select key, value from meta order by key
