select count(*) from signin_failure where address = :address and at > :since
