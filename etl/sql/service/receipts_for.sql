-- An authority's web submissions, newest first.
select * from receipt where authority_code = :authority_code order by received_at desc, rowid desc limit :limit
