-- The province's decisions are issued documents too: the published results of the
-- digital-transformation index, signed by the province's people's committee and public. Their
-- `dossier` is the subject they decide (`dti/2025`), and a subject has one decision in force (a
-- revoked one may be followed by another).
ALTER TABLE issued_document DROP CONSTRAINT issued_document_kind_check;
ALTER TABLE issued_document ADD CONSTRAINT issued_document_kind_check
    CHECK (kind IN ('result', 'receipt', 'decision'));
CREATE UNIQUE INDEX issued_decision_subject ON issued_document (dossier) WHERE kind = 'decision' AND status = 'issued';
