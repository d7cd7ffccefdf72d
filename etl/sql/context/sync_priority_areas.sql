-- refill the Prevent priority areas from data/reference/prevent_priority_areas.csv
delete from ref_prevent_priority_area;
