-- every period that has scores, oldest first
select distinct period from score order by period
