-- Every submission updates every index of its rows. These four serve no query any more:
-- lists walk the *_time indexes (0004) and email delivery walks outbox_email_queue (0005).
DROP INDEX dossier_applicant;
DROP INDEX dossier_receiving;
DROP INDEX dossier_competent;
DROP INDEX outbox_pending;
-- Province-wide lists (leaders, auditors): newest first without sorting the whole table.
CREATE INDEX dossier_time ON dossier(submitted_at, code);
