-- +goose Up
-- Printer alerts: an office may name an address (alerts_email, '' for none)
-- that is told by e-mail when a kiosk's printer goes into a state that needs
-- a person (paper low or out, cover open, offline, unreachable, cutter
-- error). The message is the outbox kind 'printer_alert'; it holds the
-- kiosk's id (kiosk_id) and the id of the event of the change (in data), and
-- the composer reads the rest when it sends.
ALTER TABLE offices ADD COLUMN alerts_email TEXT NOT NULL DEFAULT '';

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
                        next_attempt_at, claimed_at, last_error, created_at, updated_at, sent_at, lease_owner, lease_until)
SELECT id, key, channel, kind, lang, booking_id, ticket_id, recipient, data, state, attempts,
       next_attempt_at, claimed_at, last_error, created_at, updated_at, sent_at, lease_owner, lease_until
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due_idx ON outbox (channel, state, next_attempt_at, id);
CREATE INDEX outbox_booking_idx ON outbox (booking_id);
CREATE INDEX outbox_lease_idx ON outbox (channel, state, lease_until);

-- +goose Down
DELETE FROM outbox WHERE kind = 'printer_alert';
CREATE TABLE outbox_old (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    key              TEXT NOT NULL UNIQUE,
    channel          TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    kind             TEXT NOT NULL CHECK (kind IN ('confirmation', 'reminder', 'cancellation', 'cancellation_late', 'turn_near')),
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
    lease_until      DATETIME
);
INSERT INTO outbox_old (id, key, channel, kind, lang, booking_id, ticket_id, recipient, data, state, attempts,
                        next_attempt_at, claimed_at, last_error, created_at, updated_at, sent_at, lease_owner, lease_until)
SELECT id, key, channel, kind, lang, booking_id, ticket_id, recipient, data, state, attempts,
       next_attempt_at, claimed_at, last_error, created_at, updated_at, sent_at, lease_owner, lease_until
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_old RENAME TO outbox;
CREATE INDEX outbox_due_idx ON outbox (channel, state, next_attempt_at, id);
CREATE INDEX outbox_booking_idx ON outbox (booking_id);
CREATE INDEX outbox_lease_idx ON outbox (channel, state, lease_until);
ALTER TABLE offices DROP COLUMN alerts_email;
