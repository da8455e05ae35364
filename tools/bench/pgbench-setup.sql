-- Tables for pgbench's equivalent of one booking: the same shape of rows
-- and indexes the booking transaction reads and writes (migrations
-- 00001–00006), without the rest of the schema.
DROP TABLE IF EXISTS pb_plain, pb_outbox, pb_events, pb_load, pb_bookings, pb_closures, pb_services;
CREATE TABLE pb_services (id BIGINT PRIMARY KEY, department_id BIGINT NOT NULL, slot_minutes INT NOT NULL, capacity INT NOT NULL, hours TEXT NOT NULL);
INSERT INTO pb_services VALUES (1, 1, 15, 1000000, '{"mon":[["08:00","16:00"]]}');
CREATE TABLE pb_closures (id BIGSERIAL PRIMARY KEY, department_id BIGINT, starts_on DATE NOT NULL, ends_on DATE NOT NULL);
CREATE TABLE pb_bookings (
    id BIGSERIAL PRIMARY KEY, code TEXT NOT NULL, service_id BIGINT NOT NULL REFERENCES pb_services(id), day DATE NOT NULL,
    starts_at TIMESTAMPTZ NOT NULL, ends_at TIMESTAMPTZ NOT NULL, status TEXT NOT NULL, name TEXT, email TEXT, phone TEXT,
    pesel_hmac TEXT, pesel_last4 TEXT, lang TEXT NOT NULL, consent_at TIMESTAMPTZ NOT NULL, created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL);
CREATE UNIQUE INDEX pb_bookings_code_live ON pb_bookings (code) WHERE status = 'booked';
CREATE INDEX pb_bookings_service_start ON pb_bookings (service_id, starts_at);
CREATE INDEX pb_bookings_pesel ON pb_bookings (pesel_hmac, starts_at);
CREATE INDEX pb_bookings_email ON pb_bookings (email, starts_at);
CREATE TABLE pb_load (service_id BIGINT NOT NULL, starts_at TIMESTAMPTZ NOT NULL, ends_at TIMESTAMPTZ NOT NULL, n INT NOT NULL, PRIMARY KEY (service_id, starts_at, ends_at));
CREATE TABLE pb_events (id BIGSERIAL PRIMARY KEY, at TIMESTAMPTZ NOT NULL, type TEXT NOT NULL, object_type TEXT NOT NULL, object_id BIGINT NOT NULL, data TEXT NOT NULL);
CREATE TABLE pb_outbox (id BIGSERIAL PRIMARY KEY, key TEXT NOT NULL UNIQUE, channel TEXT NOT NULL, state TEXT NOT NULL, payload TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL);
-- pgbench-plain.sql's table: one insert per transaction.
CREATE TABLE pb_plain (id BIGSERIAL PRIMARY KEY, v TEXT NOT NULL);
