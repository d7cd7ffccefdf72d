-- the english regions
select region_code, region_name from ref_region order by region_name
