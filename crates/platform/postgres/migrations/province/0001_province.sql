-- The province model: the province, its administrative units over time, its agencies.
CREATE TABLE province (
    code INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    division_type TEXT NOT NULL,
    agency_code_suffix TEXT NOT NULL
);

CREATE TABLE unit (
    code INTEGER NOT NULL,
    valid_from DATE NOT NULL,
    valid_to DATE,
    name TEXT NOT NULL,
    division_type TEXT NOT NULL,
    province_code INTEGER NOT NULL REFERENCES province(code),
    PRIMARY KEY (code, valid_from)
);

CREATE TABLE agency (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent TEXT REFERENCES agency(code),
    unit_code INTEGER
);
