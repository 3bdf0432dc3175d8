-- The agency inbox reads the newest dossiers received by or decided by one agency.
CREATE INDEX dossier_receiving_time ON dossier(receiving_agency, submitted_at);
CREATE INDEX dossier_competent_time ON dossier(competent_agency, submitted_at);
