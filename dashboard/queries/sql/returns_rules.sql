-- every rule that has fired in a loaded or rejected return (the Returns page's rule filter)
select distinct rule_id from validation_issue order by rule_id
