-- +goose Up
CREATE TABLE offices (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL,
    time_zone   TEXT NOT NULL DEFAULT 'Europe/Warsaw',
    address     TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE departments (
    id                   BIGSERIAL PRIMARY KEY,
    office_id            BIGINT NOT NULL REFERENCES offices(id) ON DELETE CASCADE,
    name                 TEXT NOT NULL,
    ticket_prefix        TEXT NOT NULL,
    last_ticket_minutes  INTEGER NOT NULL DEFAULT 15,
    hours                TEXT NOT NULL DEFAULT '{}',
    position             INTEGER NOT NULL DEFAULT 0,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    CONSTRAINT departments_prefix_unique UNIQUE (office_id, ticket_prefix)
);

CREATE TABLE services (
    id                     BIGSERIAL PRIMARY KEY,
    department_id          BIGINT NOT NULL REFERENCES departments(id) ON DELETE RESTRICT,
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
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX services_department_idx ON services (department_id);

CREATE TABLE closures (
    id             BIGSERIAL PRIMARY KEY,
    office_id      BIGINT NOT NULL REFERENCES offices(id) ON DELETE CASCADE,
    department_id  BIGINT REFERENCES departments(id) ON DELETE CASCADE,
    starts_on      DATE NOT NULL,
    ends_on        DATE NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    CONSTRAINT closures_range CHECK (ends_on >= starts_on)
);
CREATE INDEX closures_range_idx ON closures (office_id, starts_on, ends_on);

CREATE TABLE counters (
    id             BIGSERIAL PRIMARY KEY,
    department_id  BIGINT NOT NULL REFERENCES departments(id) ON DELETE RESTRICT,
    name           TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE counter_services (
    counter_id  BIGINT NOT NULL REFERENCES counters(id) ON DELETE CASCADE,
    service_id  BIGINT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    PRIMARY KEY (counter_id, service_id)
);

CREATE TABLE users (
    id             BIGSERIAL PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL DEFAULT '',
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'clerk')),
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);

-- Sessions of users: bearer tokens and page cookies, both stored as SHA-256.
CREATE TABLE sessions (
    id            BIGSERIAL PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token    TEXT NOT NULL,
    user_agent    TEXT NOT NULL DEFAULT '',
    ip            TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE kiosks (
    id               BIGSERIAL PRIMARY KEY,
    office_id        BIGINT NOT NULL REFERENCES offices(id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    token_hash       TEXT NOT NULL UNIQUE,
    printer_uri      TEXT NOT NULL DEFAULT 'none',
    paper_mm         INTEGER NOT NULL DEFAULT 80,
    code_table       INTEGER NOT NULL DEFAULT 18,
    qr               TEXT NOT NULL DEFAULT 'native',
    cutter           BOOLEAN NOT NULL DEFAULT TRUE,
    printer_state    TEXT NOT NULL DEFAULT 'unknown',
    last_seen_at     TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);

-- Counters in fixed windows, for login throttling and rate limits shared by
-- every instance.
CREATE TABLE rate_counters (
    key         TEXT PRIMARY KEY,
    hits        INTEGER NOT NULL,
    window_end  TIMESTAMPTZ NOT NULL
);
CREATE INDEX rate_counters_window_idx ON rate_counters (window_end);

CREATE TABLE audit_log (
    id           BIGSERIAL PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL,
    user_id      BIGINT,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    object_type  TEXT NOT NULL,
    object_id    BIGINT NOT NULL,
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
