-- The shared data store: one table per loaded resource, named by the resource's id, with
-- its row number ("_id"), its typed columns and the folded text of each row ("_text", what
-- CKAN's `q` searches); this table says which exist, their fields, and how loading went.
CREATE TABLE datastore_table (
    resource TEXT PRIMARY KEY,
    fields TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('loading', 'ready', 'failed')),
    rows_loaded INTEGER NOT NULL,
    rows_total INTEGER NOT NULL,
    error TEXT,
    updated TEXT NOT NULL
);
