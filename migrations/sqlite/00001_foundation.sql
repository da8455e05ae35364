-- +goose Up
CREATE TABLE offices (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    time_zone   TEXT NOT NULL DEFAULT 'Europe/Warsaw',
    address     TEXT NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);

CREATE TABLE departments (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    office_id            INTEGER NOT NULL REFERENCES offices(id) ON DELETE CASCADE,
    name                 TEXT NOT NULL,
    ticket_prefix        TEXT NOT NULL,
    last_ticket_minutes  INTEGER NOT NULL DEFAULT 15,
    hours                TEXT NOT NULL DEFAULT '{}',
    position             INTEGER NOT NULL DEFAULT 0,
    created_at           DATETIME NOT NULL,
    updated_at           DATETIME NOT NULL,
    CONSTRAINT departments_prefix_unique UNIQUE (office_id, ticket_prefix)
);

CREATE TABLE services (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id          INTEGER NOT NULL REFERENCES departments(id) ON DELETE RESTRICT,
    name                   TEXT NOT NULL,
    slot_minutes           INTEGER NOT NULL DEFAULT 15,
    capacity               INTEGER NOT NULL DEFAULT 1,
    booking_days_ahead     INTEGER NOT NULL DEFAULT 30,
    lead_minutes           INTEGER NOT NULL DEFAULT 60,
    checkin_early_minutes  INTEGER NOT NULL DEFAULT 30,
    checkin_grace_minutes  INTEGER NOT NULL DEFAULT 10,
    max_active_per_pesel   INTEGER NOT NULL DEFAULT 3,
    description            TEXT NOT NULL DEFAULT '',
    instructions           TEXT NOT NULL DEFAULT '',
    position               INTEGER NOT NULL DEFAULT 0,
    created_at             DATETIME NOT NULL,
    updated_at             DATETIME NOT NULL
);
CREATE INDEX services_department_idx ON services (department_id);

CREATE TABLE closures (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    office_id      INTEGER NOT NULL REFERENCES offices(id) ON DELETE CASCADE,
    department_id  INTEGER REFERENCES departments(id) ON DELETE CASCADE,
    starts_on      TEXT NOT NULL,
    ends_on        TEXT NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL,
    CONSTRAINT closures_range CHECK (ends_on >= starts_on)
);
CREATE INDEX closures_range_idx ON closures (office_id, starts_on, ends_on);

CREATE TABLE counters (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id  INTEGER NOT NULL REFERENCES departments(id) ON DELETE RESTRICT,
    name           TEXT NOT NULL,
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL
);

CREATE TABLE counter_services (
    counter_id  INTEGER NOT NULL REFERENCES counters(id) ON DELETE CASCADE,
    service_id  INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    PRIMARY KEY (counter_id, service_id)
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL DEFAULT '',
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'clerk')),
    disabled       BOOLEAN NOT NULL DEFAULT 0,
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL
);

-- Sessions of users: bearer tokens and page cookies, both stored as SHA-256.
CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash    TEXT NOT NULL UNIQUE,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token    TEXT NOT NULL,
    user_agent    TEXT NOT NULL DEFAULT '',
    ip            TEXT NOT NULL DEFAULT '',
    created_at    DATETIME NOT NULL,
    last_seen_at  DATETIME NOT NULL,
    expires_at    DATETIME NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE kiosks (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    office_id        INTEGER NOT NULL REFERENCES offices(id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    token_hash       TEXT NOT NULL UNIQUE,
    printer_uri      TEXT NOT NULL DEFAULT 'none',
    paper_mm         INTEGER NOT NULL DEFAULT 80,
    code_table       INTEGER NOT NULL DEFAULT 18,
    qr               TEXT NOT NULL DEFAULT 'native',
    cutter           BOOLEAN NOT NULL DEFAULT 1,
    printer_state    TEXT NOT NULL DEFAULT 'unknown',
    last_seen_at     DATETIME,
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL
);

-- Counters in fixed windows, for login throttling and rate limits shared by
-- every instance.
CREATE TABLE rate_counters (
    key         TEXT PRIMARY KEY,
    hits        INTEGER NOT NULL,
    window_end  DATETIME NOT NULL
);
CREATE INDEX rate_counters_window_idx ON rate_counters (window_end);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           DATETIME NOT NULL,
    user_id      INTEGER,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    object_type  TEXT NOT NULL,
    object_id    INTEGER NOT NULL,
    before_json  TEXT,
    after_json   TEXT,
    request_id   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_object_idx ON audit_log (object_type, object_id);
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE rate_counters;
DROP TABLE kiosks;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE counter_services;
DROP TABLE counters;
DROP TABLE closures;
DROP TABLE services;
DROP TABLE departments;
DROP TABLE offices;
