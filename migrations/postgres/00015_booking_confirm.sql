-- +goose Up
-- Bookings confirmed by e-mail (DESIGN section 12): a service's
-- confirm_minutes (0: off) makes a new booking pending, its seat held until
-- confirm_by; the resident confirms with the token of the e-mail's link, of
-- which only a hash is kept. An unconfirmed one becomes expired. Pending
-- bookings are not in booking_load: the calendar counts them from here while
-- confirm_by lies ahead, so a seat returns the moment the hold lapses.
ALTER TABLE services ADD COLUMN confirm_minutes INTEGER NOT NULL DEFAULT 0
    CHECK (confirm_minutes BETWEEN 0 AND 1440);
ALTER TABLE bookings ADD COLUMN confirm_by TIMESTAMPTZ;
ALTER TABLE bookings ADD COLUMN confirm_hash TEXT;
ALTER TABLE bookings DROP CONSTRAINT bookings_status_check;
ALTER TABLE bookings ADD CONSTRAINT bookings_status_check
    CHECK (status IN ('pending', 'booked', 'checked_in', 'cancelled', 'cancelled_late', 'expired'));
DROP INDEX bookings_live_code;
CREATE UNIQUE INDEX bookings_live_code ON bookings (code) WHERE status IN ('pending', 'booked', 'checked_in');
-- The holds the calendar counts, and the ones the expiry job ends.
CREATE INDEX bookings_pending_idx ON bookings (service_id, starts_at) WHERE status = 'pending';
CREATE INDEX bookings_confirm_by_idx ON bookings (confirm_by) WHERE status = 'pending';
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('confirmation', 'reminder', 'cancellation', 'cancellation_late', 'turn_near', 'printer_alert', 'confirm_request'));

-- +goose Down
DELETE FROM outbox WHERE kind = 'confirm_request';
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('confirmation', 'reminder', 'cancellation', 'cancellation_late', 'turn_near', 'printer_alert'));
DROP INDEX bookings_confirm_by_idx;
DROP INDEX bookings_pending_idx;
UPDATE bookings SET status = 'cancelled' WHERE status IN ('pending', 'expired');
DROP INDEX bookings_live_code;
CREATE UNIQUE INDEX bookings_live_code ON bookings (code) WHERE status IN ('booked', 'checked_in');
ALTER TABLE bookings DROP CONSTRAINT bookings_status_check;
ALTER TABLE bookings ADD CONSTRAINT bookings_status_check
    CHECK (status IN ('booked', 'checked_in', 'cancelled', 'cancelled_late'));
ALTER TABLE bookings DROP COLUMN confirm_hash;
ALTER TABLE bookings DROP COLUMN confirm_by;
ALTER TABLE services DROP COLUMN confirm_minutes;
