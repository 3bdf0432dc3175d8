-- Periodic jobs: each job's last run, shared by every server (tinhso_kernel::schedule). A run
-- not finished (finished_at NULL) holds its job for at most an hour.
CREATE TABLE job_run (
    job TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT
);
