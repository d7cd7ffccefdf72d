insert into signin_failure (at, username, address) values (:at, :username, :address)
