-- Citizens' feedback and field reports: the province's categories (seeded with the ones a
-- province starts with, tinhso_reports::category::defaults), its routing table, the reports
-- (their folded state as JSON, and the columns lists filter on) and who follows each. Their
-- history is on the ledger (ledger_entry, lane report/<commune>).
CREATE TABLE report_category (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    public_service INTEGER NOT NULL,
    active INTEGER NOT NULL,
    position INTEGER NOT NULL
);
INSERT INTO report_category (code, name, name_en, public_service, active, position) VALUES
    ('rac-thai', 'Rác thải, vệ sinh môi trường', 'Waste and sanitation', 0, 1, 0),
    ('duong-sa', 'Đường sá, giao thông', 'Roads and traffic', 0, 1, 1),
    ('chieu-sang', 'Chiếu sáng công cộng', 'Street lighting', 0, 1, 2),
    ('cap-nuoc', 'Cấp nước', 'Water supply', 0, 1, 3),
    ('thoat-nuoc', 'Thoát nước, ngập úng', 'Drainage and flooding', 0, 1, 4),
    ('cay-xanh', 'Cây xanh', 'Trees', 0, 1, 5),
    ('dat-dai', 'Đất đai', 'Land', 0, 1, 6),
    ('trat-tu-xay-dung', 'Trật tự xây dựng', 'Construction order', 0, 1, 7),
    ('an-toan-thuc-pham', 'An toàn thực phẩm', 'Food safety', 0, 1, 8),
    ('an-ninh-trat-tu', 'An ninh, trật tự', 'Public order', 0, 1, 9),
    ('thu-tuc-hanh-chinh', 'Thủ tục hành chính, dịch vụ công', 'Administrative procedures and public services', 1, 1, 10),
    ('khac', 'Khác', 'Other', 0, 1, 11);

CREATE TABLE report_route (
    category TEXT NOT NULL,
    commune INTEGER,
    agency TEXT NOT NULL
);
CREATE UNIQUE INDEX report_route_key ON report_route(category, coalesce(commune, -1));

CREATE TABLE report (
    id INTEGER PRIMARY KEY,
    lane TEXT NOT NULL,
    -- 'place' or 'service' (feedback on a public service: Decision 766 group 5)
    kind TEXT NOT NULL,
    category TEXT NOT NULL,
    commune INTEGER,
    agency TEXT NOT NULL,
    state TEXT NOT NULL,
    is_open INTEGER NOT NULL,
    lat REAL,
    lon REAL,
    -- description, address and category folded (no diacritics, đ -> d, lower case) for search
    search TEXT NOT NULL,
    received_at TEXT NOT NULL,
    handle_due TEXT NOT NULL,
    -- the day it was answered (closed), for on-time counts
    handled_on TEXT,
    client_token TEXT UNIQUE,
    version INTEGER NOT NULL,
    body TEXT NOT NULL
);
-- Nearby open reports of a category (duplicates at intake): a latitude range, then longitude.
CREATE INDEX report_open_place ON report(category, lat, lon) WHERE is_open = 1 AND lat IS NOT NULL;
CREATE INDEX report_commune ON report(commune, id);
CREATE INDEX report_agency ON report(agency, id);
CREATE INDEX report_service ON report(kind, received_at) WHERE kind = 'service';
CREATE INDEX report_open_due ON report(handle_due) WHERE is_open = 1;

CREATE TABLE report_follower (
    report INTEGER NOT NULL REFERENCES report(id),
    account INTEGER NOT NULL,
    PRIMARY KEY (report, account)
);

-- Keys of Open311 clients allowed to post reports, SHA-256 hashed; shown once when made.
CREATE TABLE open311_key (
    hash BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- Communes' boundaries (GeoJSON polygons, loaded with `tinhso units boundaries import`): a point
-- from a phone or a map pin then says which commune a report is in.
CREATE TABLE commune_boundary (
    code INTEGER PRIMARY KEY,
    territory TEXT NOT NULL
);
-- Bumped by every import, so that servers reload the boundaries they keep in memory.
CREATE TABLE commune_boundary_version (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    version INTEGER NOT NULL
);
INSERT INTO commune_boundary_version (one, version) VALUES (1, 0);

-- Who is told of every new report in a commune (in the inbox, and by e-mail when configured).
CREATE TABLE report_subscription (
    commune INTEGER NOT NULL,
    account INTEGER NOT NULL,
    PRIMARY KEY (commune, account)
);
