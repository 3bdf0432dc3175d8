-- Staff accounts that existed before the administrators' log recorded who created them (a
-- database upgraded in place), with the role and agency they then had: `tinhso audit verify`
-- holds each to these, as it holds every later account to the entry that created it. On a
-- database made since (the province's set-up records its accounts too) it stays empty.
CREATE TABLE staff_before_log (
    account INTEGER PRIMARY KEY REFERENCES account(id),
    role TEXT NOT NULL,
    agency TEXT
);
INSERT INTO staff_before_log (account, role, agency) SELECT id, role, agency_code FROM account WHERE role <> 'citizen';
