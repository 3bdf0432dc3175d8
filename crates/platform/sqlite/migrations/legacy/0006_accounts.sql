-- Staff by agency (step assignees) and citizens by personal ID (desk registration).
CREATE INDEX account_agency ON account(agency_code, role);
CREATE INDEX account_personal_id ON account(personal_id);
