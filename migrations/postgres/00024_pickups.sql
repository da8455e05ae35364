-- +goose Up
-- Pickup notices (DESIGN section 12): a document a resident will collect.
-- number is the random code the resident follows on the status page (never
-- a name there); phone and email are erased with erased_at after the
-- retention, as bookings' are. The outbox's messages about a pickup name it
-- by pickup_id. The outbox's kind is no longer checked by the database: the
-- kinds live in the code (notify/outbox), and adding one no longer rebuilds
-- the table on SQLite.
CREATE TABLE pickups (
    id             BIGSERIAL PRIMARY KEY,
    number         TEXT NOT NULL UNIQUE,
    what           TEXT NOT NULL,
    phone          TEXT,
    email          TEXT,
    lang           TEXT NOT NULL DEFAULT 'pl',
    ticket_id      BIGINT REFERENCES tickets(id) ON DELETE SET NULL,
    room           TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL CHECK (status IN ('in_progress', 'ready', 'collected', 'cancelled')),
    created_by     BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    ready_at       TIMESTAMPTZ,
    closed_at      TIMESTAMPTZ,
    erased_at      TIMESTAMPTZ
);
CREATE INDEX pickups_status_idx ON pickups (status, created_at);
CREATE INDEX pickups_erase_idx ON pickups (closed_at) WHERE erased_at IS NULL;
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD COLUMN pickup_id BIGINT;

-- +goose Down
DELETE FROM outbox WHERE kind NOT IN ('confirmation', 'reminder', 'cancellation', 'cancellation_late', 'turn_near', 'printer_alert', 'confirm_request');
ALTER TABLE outbox DROP COLUMN pickup_id;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('confirmation', 'reminder', 'cancellation', 'cancellation_late', 'turn_near', 'printer_alert', 'confirm_request'));
DROP TABLE pickups;
