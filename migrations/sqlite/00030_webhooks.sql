-- +goose NO TRANSACTION
-- +goose Up
-- Webhooks (DESIGN section 12): endpoints of the office's document system
-- that receive domain events as signed JSON. Their messages travel through
-- the outbox on the channel "webhook": webhook_id names the endpoint and
-- object_key the object ("booking:42") whose events are delivered in order.
-- The secret signs the requests, so it is kept as written. Every attempt is
-- logged in webhook_attempts with the receiver's answer. The outbox is
-- rebuilt to let its channel check take "webhook".
PRAGMA foreign_keys = OFF;

-- +goose StatementBegin
BEGIN IMMEDIATE;
-- +goose StatementEnd

CREATE TABLE webhooks (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    url              TEXT NOT NULL,
    events           TEXT NOT NULL,
    secret           TEXT NOT NULL,
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason  TEXT NOT NULL DEFAULT '',
    disabled_at      DATETIME,
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL
);

CREATE TABLE webhook_attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id   INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    outbox_id    INTEGER NOT NULL,
    attempt      INTEGER NOT NULL,
    at           DATETIME NOT NULL,
    status_code  INTEGER NOT NULL DEFAULT 0,
    error        TEXT NOT NULL DEFAULT '',
    response     TEXT NOT NULL DEFAULT '',
    duration_ms  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_attempts_outbox_idx ON webhook_attempts (outbox_id, id);

CREATE TABLE outbox_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    key              TEXT NOT NULL UNIQUE,
    channel          TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'webhook')),
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
    pickup_id        INTEGER,
    waitlist_id      INTEGER,
    webhook_id       INTEGER,
    object_key       TEXT NOT NULL DEFAULT ''
);
INSERT INTO outbox_new (id, key, channel, kind, lang, booking_id, ticket_id, recipient, data, state, attempts, next_attempt_at, claimed_at, last_error, created_at, updated_at, sent_at, lease_owner, lease_until, kiosk_id, pickup_id, waitlist_id)
SELECT id, key, channel, kind, lang, booking_id, ticket_id, recipient, data, state, attempts, next_attempt_at, claimed_at, last_error, created_at, updated_at, sent_at, lease_owner, lease_until, kiosk_id, pickup_id, waitlist_id
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due_idx ON outbox (channel, state, next_attempt_at, id);
CREATE INDEX outbox_booking_idx ON outbox (booking_id);
CREATE INDEX outbox_lease_idx ON outbox (channel, state, lease_until);
CREATE INDEX outbox_webhook_idx ON outbox (webhook_id, object_key, id) WHERE webhook_id IS NOT NULL;

-- +goose StatementBegin
COMMIT;
-- +goose StatementEnd
PRAGMA foreign_keys = ON;

-- +goose Down
PRAGMA foreign_keys = OFF;

-- +goose StatementBegin
BEGIN IMMEDIATE;
-- +goose StatementEnd

DELETE FROM outbox WHERE channel = 'webhook';
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
    pickup_id        INTEGER,
    waitlist_id      INTEGER
);
INSERT INTO outbox_new (id, key, channel, kind, lang, booking_id, ticket_id, recipient, data, state, attempts, next_attempt_at, claimed_at, last_error, created_at, updated_at, sent_at, lease_owner, lease_until, kiosk_id, pickup_id, waitlist_id)
SELECT id, key, channel, kind, lang, booking_id, ticket_id, recipient, data, state, attempts, next_attempt_at, claimed_at, last_error, created_at, updated_at, sent_at, lease_owner, lease_until, kiosk_id, pickup_id, waitlist_id
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due_idx ON outbox (channel, state, next_attempt_at, id);
CREATE INDEX outbox_booking_idx ON outbox (booking_id);
CREATE INDEX outbox_lease_idx ON outbox (channel, state, lease_until);
DROP TABLE webhook_attempts;
DROP TABLE webhooks;

-- +goose StatementBegin
COMMIT;
-- +goose StatementEnd
PRAGMA foreign_keys = ON;
