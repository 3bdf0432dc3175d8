-- Staff inbox counters per agency (tinhso_domain::dossier::tally): dossiers by state, open ones
-- by due date; the deciding agency's keys bare, the receiving desk's (when another agency)
-- prefixed with r. Kept in each event's transaction, as the operations centre's aggregates are.
CREATE TABLE inbox_tally (
    agency TEXT NOT NULL,
    key TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (agency, key)
) WITHOUT ROWID;

INSERT INTO inbox_tally (agency, key, n)
SELECT agency, key, count(*) FROM (
    SELECT competent_agency AS agency, 's:' || state AS key FROM dossier
    UNION ALL
    SELECT receiving_agency, 'rs:' || state FROM dossier WHERE receiving_agency <> competent_agency
    UNION ALL
    SELECT competent_agency, 'd:' || coalesce(json_extract(body, '$.apology_due_on'), due_on) FROM dossier
    WHERE state IN ('received', 'processing', 'payment_requested')
      AND coalesce(json_extract(body, '$.apology_due_on'), due_on) IS NOT NULL
    UNION ALL
    SELECT receiving_agency, 'rd:' || coalesce(json_extract(body, '$.apology_due_on'), due_on) FROM dossier
    WHERE receiving_agency <> competent_agency AND state IN ('received', 'processing', 'payment_requested')
      AND coalesce(json_extract(body, '$.apology_due_on'), due_on) IS NOT NULL
)
GROUP BY agency, key;

-- An inbox's open work by due date, for the agency that decides it and for the desk that
-- received it for another agency (only open dossiers: a submission never touches these).
CREATE INDEX dossier_open_deciding ON dossier(competent_agency, due_on)
    WHERE state IN ('received', 'processing', 'payment_requested');
CREATE INDEX dossier_open_desk ON dossier(receiving_agency, due_on)
    WHERE state IN ('received', 'processing', 'payment_requested') AND receiving_agency <> competent_agency;
