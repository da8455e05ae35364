-- +goose Up
-- The waitlist for full days (DESIGN section 12). A resident waits for a
-- seat of one matter on one day; when a seat frees the first in line is
-- offered it: a pending booking (booking_id) holds the seat for the
-- matter's offer_minutes, and accepting confirms it. Only the hash of the
-- entry's token is kept; the PESEL only as its HMAC and last 4 digits, and
-- the personal fields are erased with erased_at after the retention. One
-- entry on the list per PESEL, matter and day. The outbox's messages about
-- an entry name it by waitlist_id.
ALTER TABLE services ADD COLUMN offer_minutes INTEGER NOT NULL DEFAULT 30
    CHECK (offer_minutes BETWEEN 1 AND 1440);

CREATE TABLE waitlist (
    id           BIGSERIAL PRIMARY KEY,
    service_id   BIGINT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    day          DATE NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('waiting', 'offered', 'booked', 'expired', 'cancelled')),
    name         TEXT,
    email        TEXT,
    email_key    TEXT,
    phone        TEXT,
    pesel_hmac   TEXT,
    pesel_last4  TEXT,
    lang         TEXT NOT NULL DEFAULT 'pl',
    token_hash   TEXT NOT NULL,
    booking_id   BIGINT REFERENCES bookings(id) ON DELETE SET NULL,
    offers       INTEGER NOT NULL DEFAULT 0,
    consent_at   TIMESTAMPTZ NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    closed_at    TIMESTAMPTZ,
    erased_at    TIMESTAMPTZ
);
CREATE INDEX waitlist_line_idx ON waitlist (service_id, day, status, id);
CREATE UNIQUE INDEX waitlist_one_per_pesel ON waitlist (service_id, day, pesel_hmac) WHERE status IN ('waiting', 'offered');
CREATE INDEX waitlist_booking_idx ON waitlist (booking_id);
ALTER TABLE outbox ADD COLUMN waitlist_id BIGINT;

-- +goose Down
DELETE FROM outbox WHERE waitlist_id IS NOT NULL;
ALTER TABLE outbox DROP COLUMN waitlist_id;
DROP TABLE waitlist;
ALTER TABLE services DROP COLUMN offer_minutes;
