delete from signin_failure where username = :username
