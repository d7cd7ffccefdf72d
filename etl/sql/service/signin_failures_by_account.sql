select count(*) from signin_failure where username = :username and at > :since
