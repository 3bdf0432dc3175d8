-- Lists read the newest dossiers of one desk, one deciding agency or one applicant, in the
-- order the indexes give (submitted_at, then code), so no request sorts a whole desk.
CREATE INDEX dossier_receiving_time ON dossier(receiving_agency, submitted_at, code);
CREATE INDEX dossier_competent_time ON dossier(competent_agency, submitted_at, code);
CREATE INDEX dossier_applicant_time ON dossier(applicant_id, submitted_at, code);
