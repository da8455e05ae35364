-- +goose NO TRANSACTION
-- +goose Up
-- Pickup notices (DESIGN section 12): a document a resident will collect.
-- number is the random code the resident follows on the status page (never
-- a name there); phone and email are erased with erased_at after the
-- retention, as bookings' are. The outbox's messages about a pickup name it
-- by pickup_id. The outbox's kind is no longer checked by the database: the
-- kinds live in the code (notify/outbox), and adding one no longer rebuilds
-- the table. The outbox has no foreign keys; it is rebuilt once more here.
PRAGMA foreign_keys = OFF;

-- +goose StatementBegin
BEGIN IMMEDIATE;
-- +goose StatementEnd

CREATE TABLE pickups (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    number         TEXT NOT NULL UNIQUE,
    what           TEXT NOT NULL,
    phone          TEXT,
    email          TEXT,
    lang           TEXT NOT NULL DEFAULT 'pl',
    ticket_id      INTEGER REFERENCES tickets(id) ON DELETE SET NULL,
    room           TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL CHECK (status IN ('in_progress', 'ready', 'collected', 'cancelled')),
    created_by     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL,
    ready_at       DATETIME,
    closed_at      DATETIME,
    erased_at      DATETIME
);
CREATE INDEX pickups_status_idx ON pickups (status, created_at);
CREATE INDEX pickups_erase_idx ON pickups (closed_at) WHERE erased_at IS NULL;

CREATE TABLE outbox_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    key              TEXT NOT NULL UNIQUE,
    channel          TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    kind             TEXT NOT NULL,
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
    kiosk_id         INTEGER,
    pickup_id        INTEGER
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

DELETE FROM outbox WHERE kind NOT IN ('confirmation', 'reminder', 'cancellation', 'cancellation_late', 'turn_near', 'printer_alert', 'confirm_request');
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
DROP TABLE pickups;

-- +goose StatementBegin
COMMIT;
-- +goose StatementEnd
PRAGMA foreign_keys = ON;
