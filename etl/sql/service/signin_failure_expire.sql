delete from signin_failure where at < :before
