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
CREATE INDEX pb_bookings_pesel ON pb_bookings (pesel_hmac, status, starts_at);
CREATE INDEX pb_bookings_email ON pb_bookings (email, starts_at);
CREATE TABLE pb_load (service_id BIGINT NOT NULL, starts_at TIMESTAMPTZ NOT NULL, ends_at TIMESTAMPTZ NOT NULL, n INT NOT NULL, PRIMARY KEY (service_id, starts_at, ends_at));
CREATE TABLE pb_events (id BIGSERIAL PRIMARY KEY, at TIMESTAMPTZ NOT NULL, type TEXT NOT NULL, object_type TEXT NOT NULL, object_id BIGINT NOT NULL, data TEXT NOT NULL);
CREATE TABLE pb_outbox (id BIGSERIAL PRIMARY KEY, key TEXT NOT NULL UNIQUE, channel TEXT NOT NULL, state TEXT NOT NULL, payload TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL);
-- pgbench-plain.sql's table: one insert per transaction.
CREATE TABLE pb_plain (id BIGSERIAL PRIMARY KEY, v TEXT NOT NULL);
-- A history like an office's (20,000 past visits, 5,000 upcoming ones,
-- their load) and fresh statistics: on empty, never-analysed tables
-- pgbench's prepared statements were planned for no booked rows, and the
-- resident's counts scanned every live booking through the live-code
-- index, slower as the run went on (758 then 343 tps in two runs of 5 s
-- here). The server's tables are analysed by autovacuum as they grow.
INSERT INTO pb_bookings (code, service_id, day, starts_at, ends_at, status, name, email, phone, pesel_hmac, pesel_last4, lang, consent_at, created_at, updated_at)
  SELECT upper(substr(md5('h' || g), 1, 8)), 1, (TIMESTAMPTZ '2026-11-23 08:00+01' - g * INTERVAL '15 minutes')::date,
    TIMESTAMPTZ '2026-11-23 08:00+01' - g * INTERVAL '15 minutes', TIMESTAMPTZ '2026-11-23 08:15+01' - g * INTERVAL '15 minutes',
    CASE WHEN g % 10 = 0 THEN 'cancelled' ELSE 'done' END, 'Jan Kowalski', 'h' || g || '@example.pl', '+48600123456', md5('h' || g), '1234', 'pl', now(), now(), now()
  FROM generate_series(1, 20000) g;
INSERT INTO pb_bookings (code, service_id, day, starts_at, ends_at, status, name, email, phone, pesel_hmac, pesel_last4, lang, consent_at, created_at, updated_at)
  SELECT upper(substr(md5('u' || g), 1, 8)), 1, (now() + g * INTERVAL '15 minutes')::date, now() + g * INTERVAL '15 minutes',
    now() + (g + 1) * INTERVAL '15 minutes', 'booked', 'Jan Kowalski', 'u' || g || '@example.pl', '+48600123456', md5('u' || g), '1234', 'pl', now(), now(), now()
  FROM generate_series(1, 5000) g;
INSERT INTO pb_load (service_id, starts_at, ends_at, n)
  SELECT service_id, starts_at, ends_at, 1 FROM pb_bookings;
ANALYZE pb_services, pb_closures, pb_bookings, pb_load, pb_events, pb_outbox, pb_plain;
