-- Citizens' feedback and field reports: the province's categories (seeded with the ones a
-- province starts with, tinhso_reports::category::defaults), its routing table, the reports
-- (their folded state as JSON, and the columns lists filter on) and who follows each. Their
-- history is on the ledger (ledger_entry, lane report/<commune>).
CREATE TABLE report_category (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    public_service BOOLEAN NOT NULL,
    active BOOLEAN NOT NULL,
    position INTEGER NOT NULL
);
INSERT INTO report_category (code, name, name_en, public_service, active, position) VALUES
    ('rac-thai', 'Rác thải, vệ sinh môi trường', 'Waste and sanitation', FALSE, TRUE, 0),
    ('duong-sa', 'Đường sá, giao thông', 'Roads and traffic', FALSE, TRUE, 1),
    ('chieu-sang', 'Chiếu sáng công cộng', 'Street lighting', FALSE, TRUE, 2),
    ('cap-nuoc', 'Cấp nước', 'Water supply', FALSE, TRUE, 3),
    ('thoat-nuoc', 'Thoát nước, ngập úng', 'Drainage and flooding', FALSE, TRUE, 4),
    ('cay-xanh', 'Cây xanh', 'Trees', FALSE, TRUE, 5),
    ('dat-dai', 'Đất đai', 'Land', FALSE, TRUE, 6),
    ('trat-tu-xay-dung', 'Trật tự xây dựng', 'Construction order', FALSE, TRUE, 7),
    ('an-toan-thuc-pham', 'An toàn thực phẩm', 'Food safety', FALSE, TRUE, 8),
    ('an-ninh-trat-tu', 'An ninh, trật tự', 'Public order', FALSE, TRUE, 9),
    ('thu-tuc-hanh-chinh', 'Thủ tục hành chính, dịch vụ công', 'Administrative procedures and public services', TRUE, TRUE, 10),
    ('khac', 'Khác', 'Other', FALSE, TRUE, 11);

CREATE TABLE report_route (
    category TEXT NOT NULL,
    commune BIGINT,
    agency TEXT NOT NULL
);
CREATE UNIQUE INDEX report_route_key ON report_route(category, coalesce(commune, -1));

CREATE SEQUENCE report_id;
CREATE TABLE report (
    id BIGINT PRIMARY KEY,
    lane TEXT NOT NULL,
    -- 'place' or 'service' (feedback on a public service: Decision 766 group 5)
    kind TEXT NOT NULL,
    category TEXT NOT NULL,
    commune BIGINT,
    agency TEXT NOT NULL,
    state TEXT NOT NULL,
    is_open BOOLEAN NOT NULL,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    -- description, address and category folded (no diacritics, đ -> d, lower case) for search
    search TEXT NOT NULL,
    received_at TEXT NOT NULL,
    handle_due TEXT NOT NULL,
    -- the day it was answered (closed), for on-time counts
    handled_on TEXT,
    client_token TEXT UNIQUE,
    version BIGINT NOT NULL,
    body TEXT NOT NULL
);
-- Nearby open reports of a category (duplicates at intake): a latitude range, then longitude.
CREATE INDEX report_open_place ON report(category, lat, lon) WHERE is_open AND lat IS NOT NULL;
CREATE INDEX report_commune ON report(commune, id);
CREATE INDEX report_agency ON report(agency, id);
CREATE INDEX report_service ON report(kind, received_at) WHERE kind = 'service';
CREATE INDEX report_open_due ON report(handle_due) WHERE is_open;

CREATE TABLE report_follower (
    report BIGINT NOT NULL REFERENCES report(id),
    account BIGINT NOT NULL,
    PRIMARY KEY (report, account)
);

-- Keys of Open311 clients allowed to post reports, SHA-256 hashed; shown once when made.
CREATE TABLE open311_key (
    hash BYTEA PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- Communes' boundaries (GeoJSON polygons, loaded with `tinhso units boundaries import`): a point
-- from a phone or a map pin then says which commune a report is in.
CREATE TABLE commune_boundary (
    code BIGINT PRIMARY KEY,
    territory TEXT NOT NULL
);
-- Bumped by every import, so that servers reload the boundaries they keep in memory.
CREATE TABLE commune_boundary_version (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    version BIGINT NOT NULL
);
INSERT INTO commune_boundary_version (one, version) VALUES (1, 0);

-- Who is told of every new report in a commune (in the inbox, and by e-mail when configured).
CREATE TABLE report_subscription (
    commune BIGINT NOT NULL,
    account BIGINT NOT NULL,
    PRIMARY KEY (commune, account)
);
