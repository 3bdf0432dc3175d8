-- The shared data store: one table per loaded resource in the schema `datastore`, named by
-- the resource's id, with its row number ("_id"), its typed columns and the folded text of
-- each row ("_text", what CKAN's `q` searches); this table says which exist, their fields,
-- and how loading went.
CREATE TABLE datastore_table (
    resource TEXT PRIMARY KEY,
    fields TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('loading', 'ready', 'failed')),
    rows_loaded BIGINT NOT NULL,
    rows_total BIGINT NOT NULL,
    error TEXT,
    updated TEXT NOT NULL
);
CREATE SCHEMA IF NOT EXISTS datastore;

-- datastore_search_sql runs as this role, which may read the data store's tables and
-- nothing else. Making it needs CREATEROLE; without it the platform still runs, and
-- datastore_search_sql answers that the role is missing (see the README).
DO $do$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tinhso_datastore_reader') THEN
        BEGIN
            CREATE ROLE tinhso_datastore_reader NOLOGIN;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'cannot create role tinhso_datastore_reader: datastore_search_sql is off';
            RETURN;
        END;
    END IF;
    BEGIN
        EXECUTE format('GRANT tinhso_datastore_reader TO %I', current_user);
        GRANT USAGE ON SCHEMA datastore TO tinhso_datastore_reader;
        ALTER DEFAULT PRIVILEGES IN SCHEMA datastore GRANT SELECT ON TABLES TO tinhso_datastore_reader;
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'cannot grant tinhso_datastore_reader: datastore_search_sql is off';
    END;
END
$do$;
