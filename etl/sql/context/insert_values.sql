-- the mapped long values of one file (registered as the relation context_incoming)
insert into context_value (
    import_id, publication, level, code, source_code, is_mapped, time_period, time_identifier, year,
    period_label, filters, filter_key, is_total, indicator, value, symbol, source_row
)
select
    $import_id, $publication, level, code, source_code, is_mapped, time_period,
    coalesce(time_identifier, ''), cast(year as integer), period_label, filters, filter_key, is_total,
    indicator, cast(value as double), symbol, cast(source_row as integer)
from context_incoming
