-- +goose NO TRANSACTION
-- +goose Up
-- Bookings confirmed by e-mail (DESIGN section 12): a service's
-- confirm_minutes (0: off) makes a new booking pending, its seat held until
-- confirm_by; the resident confirms with the token of the e-mail's link, of
-- which only a hash is kept. An unconfirmed one becomes expired. Pending
-- bookings are not in booking_load: the calendar counts them from here while
-- confirm_by lies ahead, so a seat returns the moment the hold lapses.
--
-- SQLite can't change a CHECK in place: the bookings table is rebuilt (the
-- documented twelve steps), with foreign keys off so tickets.booking_id
-- keeps its values. The pool holds one connection, so the pragma applies.
PRAGMA foreign_keys = OFF;

-- +goose StatementBegin
BEGIN IMMEDIATE;
-- +goose StatementEnd

ALTER TABLE services ADD COLUMN confirm_minutes INTEGER NOT NULL DEFAULT 0
    CHECK (confirm_minutes BETWEEN 0 AND 1440);

CREATE TABLE bookings_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    code           TEXT NOT NULL,
    service_id     INTEGER NOT NULL REFERENCES services(id) ON DELETE RESTRICT,
    day            TEXT NOT NULL,               -- the visit's day in the office zone
    starts_at      DATETIME NOT NULL,
    ends_at        DATETIME NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'booked', 'checked_in', 'cancelled', 'cancelled_late', 'expired')),
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
    cancel_note    TEXT NOT NULL DEFAULT '',
    confirm_by     DATETIME,
    confirm_hash   TEXT,
    CONSTRAINT bookings_span CHECK (ends_at > starts_at)
);
INSERT INTO bookings_new (id, code, service_id, day, starts_at, ends_at, status, name, email, phone,
    pesel_hmac, pesel_last4, lang, consent_at, created_at, updated_at, checked_in_at, cancelled_at,
    cancel_reason, erased_at, cancel_note)
SELECT id, code, service_id, day, starts_at, ends_at, status, name, email, phone,
    pesel_hmac, pesel_last4, lang, consent_at, created_at, updated_at, checked_in_at, cancelled_at,
    cancel_reason, erased_at, cancel_note FROM bookings;
DROP TABLE bookings;
ALTER TABLE bookings_new RENAME TO bookings;
CREATE UNIQUE INDEX bookings_live_code ON bookings (code) WHERE status IN ('pending', 'booked', 'checked_in');
CREATE INDEX bookings_code_idx ON bookings (code);
CREATE INDEX bookings_service_time_idx ON bookings (service_id, starts_at, ends_at, status);
CREATE INDEX bookings_pesel_idx ON bookings (pesel_hmac, status, starts_at);
CREATE INDEX bookings_status_start_idx ON bookings (status, starts_at);
CREATE INDEX bookings_erase_idx ON bookings (ends_at) WHERE erased_at IS NULL;
-- The holds the calendar counts, and the ones the expiry job ends.
CREATE INDEX bookings_pending_idx ON bookings (service_id, starts_at) WHERE status = 'pending';
CREATE INDEX bookings_confirm_by_idx ON bookings (confirm_by) WHERE status = 'pending';

-- The outbox's new kind, confirm_request (no foreign keys: rebuilt the same way).
CREATE TABLE outbox_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    key              TEXT NOT NULL UNIQUE,
    channel          TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    kind             TEXT NOT NULL CHECK (kind IN ('confirmation', 'reminder', 'cancellation', 'cancellation_late', 'turn_near', 'printer_alert', 'confirm_request')),
    lang             TEXT NOT NULL DEFAULT 'pl',
    booking_id       INTEGER,
    ticket_id        INTEGER,
    recipient        TEXT NOT NULL DEFAULT '',
    data             TEXT NOT NULL DEFAULT '{}',
    state            TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  DATETIME NOT NULL,
    claimed_at       DATETIME,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL,
    sent_at          DATETIME,
    lease_owner      TEXT,
    lease_until      DATETIME,
    kiosk_id         INTEGER
);
INSERT INTO outbox_new (id, key, channel, kind, lang, booking_id, ticket_id, recipient, data, state, attempts,
                        next_attempt_at, claimed_at, last_error, created_at, updated_at, sent_at, lease_owner, lease_until, kiosk_id)
SELECT id, key, channel, kind, lang, booking_id, ticket_id, recipient, data, state, attempts,
       next_attempt_at, claimed_at, last_error, created_at, updated_at, sent_at, lease_owner, lease_until, kiosk_id
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due_idx ON outbox (channel, state, next_attempt_at, id);
CREATE INDEX outbox_booking_idx ON outbox (booking_id);
CREATE INDEX outbox_lease_idx ON outbox (channel, state, lease_until);

-- +goose StatementBegin
COMMIT;
-- +goose StatementEnd
PRAGMA foreign_keys = ON;

-- +goose Down
PRAGMA foreign_keys = OFF;

-- +goose StatementBegin
BEGIN IMMEDIATE;
-- +goose StatementEnd

DELETE FROM outbox WHERE kind = 'confirm_request';
CREATE TABLE outbox_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    key              TEXT NOT NULL UNIQUE,
    channel          TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    kind             TEXT NOT NULL CHECK (kind IN ('confirmation', 'reminder', 'cancellation', 'cancellation_late', 'turn_near', 'printer_alert')),
    lang             TEXT NOT NULL DEFAULT 'pl',
    booking_id       INTEGER,
    ticket_id        INTEGER,
    recipient        TEXT NOT NULL DEFAULT '',
    data             TEXT NOT NULL DEFAULT '{}',
    state            TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  DATETIME NOT NULL,
    claimed_at       DATETIME,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL,
    sent_at          DATETIME,
    lease_owner      TEXT,
    lease_until      DATETIME,
    kiosk_id         INTEGER
);
INSERT INTO outbox_new (id, key, channel, kind, lang, booking_id, ticket_id, recipient, data, state, attempts,
                        next_attempt_at, claimed_at, last_error, created_at, updated_at, sent_at, lease_owner, lease_until, kiosk_id)
SELECT id, key, channel, kind, lang, booking_id, ticket_id, recipient, data, state, attempts,
       next_attempt_at, claimed_at, last_error, created_at, updated_at, sent_at, lease_owner, lease_until, kiosk_id
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due_idx ON outbox (channel, state, next_attempt_at, id);
CREATE INDEX outbox_booking_idx ON outbox (booking_id);
CREATE INDEX outbox_lease_idx ON outbox (channel, state, lease_until);
UPDATE bookings SET status = 'cancelled' WHERE status IN ('pending', 'expired');
CREATE TABLE bookings_old (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    code           TEXT NOT NULL,
    service_id     INTEGER NOT NULL REFERENCES services(id) ON DELETE RESTRICT,
    day            TEXT NOT NULL,
    starts_at      DATETIME NOT NULL,
    ends_at        DATETIME NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('booked', 'checked_in', 'cancelled', 'cancelled_late')),
    name           TEXT,
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
    cancel_note    TEXT NOT NULL DEFAULT '',
    CONSTRAINT bookings_span CHECK (ends_at > starts_at)
);
INSERT INTO bookings_old SELECT id, code, service_id, day, starts_at, ends_at, status, name, email, phone,
    pesel_hmac, pesel_last4, lang, consent_at, created_at, updated_at, checked_in_at, cancelled_at,
    cancel_reason, erased_at, cancel_note FROM bookings;
DROP TABLE bookings;
ALTER TABLE bookings_old RENAME TO bookings;
CREATE UNIQUE INDEX bookings_live_code ON bookings (code) WHERE status IN ('booked', 'checked_in');
CREATE INDEX bookings_code_idx ON bookings (code);
CREATE INDEX bookings_service_time_idx ON bookings (service_id, starts_at, ends_at, status);
CREATE INDEX bookings_pesel_idx ON bookings (pesel_hmac, status, starts_at);
CREATE INDEX bookings_status_start_idx ON bookings (status, starts_at);
CREATE INDEX bookings_erase_idx ON bookings (ends_at) WHERE erased_at IS NULL;
ALTER TABLE services DROP COLUMN confirm_minutes;

-- +goose StatementBegin
COMMIT;
-- +goose StatementEnd
PRAGMA foreign_keys = ON;
