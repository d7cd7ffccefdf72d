-- every measure in the benchmarking mart
select distinct measure from measure_value order by measure
