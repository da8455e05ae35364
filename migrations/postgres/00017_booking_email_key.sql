-- +goose Up
-- The limit per e-mail address counts a resident's upcoming bookings by the
-- address as limits see it (email_key): lower-cased, a "+tag" dropped from
-- the part before the @. Erased with the rest of the personal data.
ALTER TABLE bookings ADD COLUMN email_key TEXT;
UPDATE bookings SET email_key = lower(CASE
    WHEN strpos(split_part(email, '@', 1), '+') > 0 THEN substr(email, 1, strpos(email, '+') - 1) || substr(email, strpos(email, '@'))
    ELSE email END)
WHERE email IS NOT NULL;
CREATE INDEX bookings_email_key_idx ON bookings (email_key, starts_at) WHERE email_key IS NOT NULL;
-- The old rate limiter's state (Fiber's, in kv_store) is no longer read:
-- the limits now count in rate_counters on PostgreSQL, in memory on SQLite.
DELETE FROM kv_store WHERE substr("key", 1, 6) = 'limit:';

-- +goose Down
DROP INDEX bookings_email_key_idx;
ALTER TABLE bookings DROP COLUMN email_key;
