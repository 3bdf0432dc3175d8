-- Periodic jobs: each job's last start, shared by every server (tinhso_kernel::schedule).
CREATE TABLE job_run (
    job TEXT PRIMARY KEY,
    started_at TEXT NOT NULL
);
