-- The reports a person follows (the ones they sent among them), for their copy of their
-- personal data.
CREATE INDEX report_follower_account ON report_follower (account, report);
