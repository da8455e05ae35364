-- +goose Up
CREATE TABLE bookings (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    code           TEXT NOT NULL,
    service_id     INTEGER NOT NULL REFERENCES services(id) ON DELETE RESTRICT,
    day            TEXT NOT NULL,               -- the visit's day in the office zone
    starts_at      DATETIME NOT NULL,
    ends_at        DATETIME NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('booked', 'checked_in', 'cancelled', 'cancelled_late')),
    name           TEXT,                        -- personal data: NULL once erased
    email          TEXT,
    phone          TEXT,
    pesel_hmac     TEXT,
    pesel_last4    TEXT,
    lang           TEXT NOT NULL DEFAULT 'pl',
    consent_at     DATETIME NOT NULL,
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL,
    checked_in_at  DATETIME,
    cancelled_at   DATETIME,
    cancel_reason  TEXT NOT NULL DEFAULT '',
    erased_at      DATETIME,
    CONSTRAINT bookings_span CHECK (ends_at > starts_at)
);
-- A code is unique among live bookings; old ones may repeat.
CREATE UNIQUE INDEX bookings_live_code ON bookings (code) WHERE status IN ('booked', 'checked_in');
CREATE INDEX bookings_code_idx ON bookings (code);
-- Availability: live bookings of a service overlapping a range.
CREATE INDEX bookings_service_time_idx ON bookings (service_id, starts_at, ends_at, status);
-- Limits per PESEL.
CREATE INDEX bookings_pesel_idx ON bookings (pesel_hmac, status, starts_at);
-- Late arrivals and retention.
CREATE INDEX bookings_status_start_idx ON bookings (status, starts_at);
CREATE INDEX bookings_erase_idx ON bookings (ends_at) WHERE erased_at IS NULL;

-- Domain events, written in the transaction of the change, for the
-- notifications outbox and the live displays to act on.
CREATE TABLE events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           DATETIME NOT NULL,
    type         TEXT NOT NULL,
    object_type  TEXT NOT NULL,
    object_id    INTEGER NOT NULL,
    data         TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_type_idx ON events (type, id);

-- One row per run of a named scheduled job and tick: the instance that
-- inserts it runs the job, the others skip that tick.
CREATE TABLE job_runs (
    job         TEXT NOT NULL,
    tick        DATETIME NOT NULL,
    instance    TEXT NOT NULL,
    started_at  DATETIME NOT NULL,
    finished_at DATETIME,
    PRIMARY KEY (job, tick)
);

-- Key-value storage with expiry shared by all instances (fiber.Storage:
-- rate limiter state).
CREATE TABLE kv_store (
    key         TEXT PRIMARY KEY,
    value       BLOB NOT NULL,
    expires_at  DATETIME
);
CREATE INDEX kv_store_expires_idx ON kv_store (expires_at);

-- +goose Down
DROP TABLE kv_store;
DROP TABLE job_runs;
DROP TABLE events;
DROP TABLE bookings;
