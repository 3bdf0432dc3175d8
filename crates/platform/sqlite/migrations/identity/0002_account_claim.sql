-- The one-time code that lets a walk-in applicant take over the account the one-stop desk
-- opened for them (printed on their receipt, Mẫu 01); gone once the account is claimed.
CREATE TABLE account_claim (
    account_id BIGINT PRIMARY KEY REFERENCES account(id) ON DELETE CASCADE,
    code TEXT NOT NULL
);
