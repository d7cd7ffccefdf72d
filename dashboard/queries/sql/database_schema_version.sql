-- the newest migration applied to the database
select max(version) from schema_migrations
