-- One booking, as the seat-taking transaction makes it (booking/seats.go):
-- lock the slot's 5-minute seat cells, the resident and the e-mail address
-- in one statement, read the service, count the slot's load and the
-- resident's and the address's bookings in one statement, insert the
-- booking, its load, its event and its confirmation messages.
\set slot random(0, 999999)
\set who random(1, 1000000000)
BEGIN;
SELECT pg_advisory_xact_lock((1::bigint << 62) | (1::bigint << 32) | (3 * :slot)), pg_advisory_xact_lock((1::bigint << 62) | (1::bigint << 32) | (3 * :slot + 1)),
  pg_advisory_xact_lock((1::bigint << 62) | (1::bigint << 32) | (3 * :slot + 2)), pg_advisory_xact_lock(1869312613, hashtext(md5(:who::text))),
  pg_advisory_xact_lock(1869309293, hashtext(:who::text || '@example.pl'));
SELECT id, department_id, slot_minutes, capacity, hours FROM pb_services WHERE id = 1;
SELECT (SELECT coalesce(sum(n), 0) FROM pb_load WHERE service_id = 1 AND starts_at > TIMESTAMPTZ '2026-11-24 00:00+01' + :slot * INTERVAL '15 minutes'
    AND starts_at < TIMESTAMPTZ '2026-11-24 08:15+01' + :slot * INTERVAL '15 minutes' AND ends_at > TIMESTAMPTZ '2026-11-24 08:00+01' + :slot * INTERVAL '15 minutes'),
  (SELECT count(*) FROM pb_bookings WHERE pesel_hmac = md5(:who::text) AND service_id = 1 AND day = DATE '2026-11-24' AND status = 'booked'),
  (SELECT count(*) FROM pb_bookings WHERE pesel_hmac = md5(:who::text) AND status = 'booked' AND starts_at > now()),
  (SELECT count(*) FROM pb_bookings WHERE email = :who::text || '@example.pl' AND status = 'booked' AND starts_at > now());
INSERT INTO pb_bookings (code, service_id, day, starts_at, ends_at, status, name, email, phone, pesel_hmac, pesel_last4, lang, consent_at, created_at, updated_at)
  VALUES (upper(substr(md5(:slot::text || :who::text), 1, 8)), 1, DATE '2026-11-24', TIMESTAMPTZ '2026-11-24 08:00+01' + :slot * INTERVAL '15 minutes',
  TIMESTAMPTZ '2026-11-24 08:15+01' + :slot * INTERVAL '15 minutes', 'booked', 'Jan Kowalski', 'jan@example.pl', '+48600123456', md5(:who::text), '1234', 'pl', now(), now(), now())
  RETURNING id \gset b_
INSERT INTO pb_load (service_id, starts_at, ends_at, n) VALUES (1, TIMESTAMPTZ '2026-11-24 08:00+01' + :slot * INTERVAL '15 minutes', TIMESTAMPTZ '2026-11-24 08:15+01' + :slot * INTERVAL '15 minutes', 1)
  ON CONFLICT (service_id, starts_at, ends_at) DO UPDATE SET n = pb_load.n + 1;
INSERT INTO pb_events (at, type, object_type, object_id, data) VALUES (now(), 'booking.created', 'booking', :b_id, '{"service_id":1}');
INSERT INTO pb_outbox (key, channel, state, payload, created_at) VALUES ('booking-' || :b_id || '-confirmation-email', 'email', 'queued', '{}', now());
INSERT INTO pb_outbox (key, channel, state, payload, created_at) VALUES ('booking-' || :b_id || '-confirmation-sms', 'sms', 'queued', '{}', now());
COMMIT;
