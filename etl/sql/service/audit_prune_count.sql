-- What `oversight audit prune` deletes: the events before the cutoff, and when they ran from and to.
select count(*), min(at), max(at) from audit_event where at < :cutoff
