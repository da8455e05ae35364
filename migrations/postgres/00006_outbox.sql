-- +goose Up
-- The notifications outbox: a message is written in the transaction of the
-- change that causes it and sent by a worker afterwards. key makes a message
-- idempotent (never queued twice; providers drop a resend). Personal data is
-- read from the booking or ticket at send time; recipient holds only a
-- masked form for the administrator.
CREATE TABLE outbox (
    id               BIGSERIAL PRIMARY KEY,
    key              TEXT NOT NULL UNIQUE,
    channel          TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    kind             TEXT NOT NULL CHECK (kind IN ('confirmation', 'reminder', 'cancellation', 'cancellation_late', 'turn_near')),
    lang             TEXT NOT NULL DEFAULT 'pl',
    booking_id       BIGINT,
    ticket_id        BIGINT,
    recipient        TEXT NOT NULL DEFAULT '',
    data             TEXT NOT NULL DEFAULT '{}',
    state            TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    claimed_at       TIMESTAMPTZ,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    sent_at          TIMESTAMPTZ
);
CREATE INDEX outbox_due_idx ON outbox (state, next_attempt_at, id);
CREATE INDEX outbox_booking_idx ON outbox (booking_id);

-- +goose Down
DROP TABLE outbox;
