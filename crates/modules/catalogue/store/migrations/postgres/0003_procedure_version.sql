-- Every saved version of a procedure, in the transaction that saves it (the editor's, an
-- import's, the province's set-up), so its history page can say what each save changed and
-- `tinhso audit verify` can check each version against the administrators' log entry that saved
-- it. A database upgraded in place keeps each procedure as it stands as its first version
-- (by the platform itself, account 0): earlier versions were not kept.
CREATE TABLE procedure_version (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL,
    saved_at TIMESTAMPTZ NOT NULL,
    actor BIGINT NOT NULL,
    body JSONB NOT NULL
);
CREATE INDEX procedure_version_by_code ON procedure_version (code, id);
INSERT INTO procedure_version (code, saved_at, actor, body) SELECT code, updated_at, 0, body FROM procedure ORDER BY code;
