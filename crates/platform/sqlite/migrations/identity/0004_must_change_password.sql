-- A password an admin chose (a new staff account's, or one given anew) is known to that admin:
-- until its owner sets their own, the account can do nothing else.
ALTER TABLE account ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
