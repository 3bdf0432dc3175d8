-- Messages in English too: the inbox shows the reader's language. Older messages, and those
-- a sender writes in Vietnamese only, keep these empty and read in Vietnamese.
ALTER TABLE outbox ADD COLUMN subject_en TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN body_en TEXT NOT NULL DEFAULT '';
