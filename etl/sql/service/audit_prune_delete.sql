delete from audit_event where at < :cutoff
