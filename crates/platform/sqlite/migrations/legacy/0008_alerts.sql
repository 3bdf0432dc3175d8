-- Alerts sent through the outbox, one per key (kind, agency, day): restarts and several
-- servers never send one twice.
CREATE TABLE ioc_alert (
    key TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);
-- Open dossiers by due date (covering the overdue count per agency), for alerts and dashboards.
CREATE INDEX dossier_open_due ON dossier(due_on, competent_agency) WHERE state IN ('received', 'processing', 'payment_requested');
-- Staff by role (province leaders receive the alerts digest).
CREATE INDEX account_role ON account(role);
-- One measure over days (open dossiers by due date: the overdue count per agency).
CREATE INDEX ioc_aggregate_measure ON ioc_aggregate(measure, grain, bucket);
