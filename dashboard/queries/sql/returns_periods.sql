-- returns_periods: every period that has at least one return file, oldest first.
select distinct period from submission where period is not null order by period
