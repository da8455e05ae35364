-- +goose Up
CREATE TABLE bookings (
    id             BIGSERIAL PRIMARY KEY,
    code           TEXT NOT NULL,
    service_id     BIGINT NOT NULL REFERENCES services(id) ON DELETE RESTRICT,
    day            DATE NOT NULL,               -- the visit's day in the office zone
    starts_at      TIMESTAMPTZ NOT NULL,
    ends_at        TIMESTAMPTZ NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('booked', 'checked_in', 'cancelled', 'cancelled_late')),
    name           TEXT,                        -- personal data: NULL once erased
    email          TEXT,
    phone          TEXT,
    pesel_hmac     TEXT,
    pesel_last4    TEXT,
    lang           TEXT NOT NULL DEFAULT 'pl',
    consent_at     TIMESTAMPTZ NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    checked_in_at  TIMESTAMPTZ,
    cancelled_at   TIMESTAMPTZ,
    cancel_reason  TEXT NOT NULL DEFAULT '',
    erased_at      TIMESTAMPTZ,
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
    id           BIGSERIAL PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL,
    type         TEXT NOT NULL,
    object_type  TEXT NOT NULL,
    object_id    BIGINT NOT NULL,
    data         TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_type_idx ON events (type, id);

-- One row per run of a named scheduled job and tick: the instance that
-- inserts it runs the job, the others skip that tick.
CREATE TABLE job_runs (
    job         TEXT NOT NULL,
    tick        TIMESTAMPTZ NOT NULL,
    instance    TEXT NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    PRIMARY KEY (job, tick)
);

-- Key-value storage with expiry shared by all instances (fiber.Storage:
-- rate limiter state).
CREATE TABLE kv_store (
    key         TEXT PRIMARY KEY,
    value       BYTEA NOT NULL,
    expires_at  TIMESTAMPTZ
);
CREATE INDEX kv_store_expires_idx ON kv_store (expires_at);

-- +goose Down
DROP TABLE kv_store;
DROP TABLE job_runs;
DROP TABLE events;
DROP TABLE bookings;
