-- +goose Up
-- The remote queue (e-kolejka, DESIGN section 12): a matter's
-- remote_tickets_per_day (0: off) lets residents join today's queue from a
-- phone; remote_arrival_required keeps such a ticket from being called before
-- the kiosk has checked it in (arrived_at). A remote ticket carries the
-- resident's phone or e-mail (email_key: lower-cased, +tag dropped) for the
-- "3 ahead" and "called" messages, erased with the phones of past days; one
-- remote ticket per phone and per e-mail a day.
ALTER TABLE services ADD COLUMN remote_tickets_per_day INTEGER NOT NULL DEFAULT 0
    CHECK (remote_tickets_per_day BETWEEN 0 AND 999);
ALTER TABLE services ADD COLUMN remote_arrival_required BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE tickets DROP CONSTRAINT tickets_kind_check;
ALTER TABLE tickets ADD CONSTRAINT tickets_kind_check CHECK (kind IN ('walk_in', 'booking', 'remote'));
ALTER TABLE tickets ADD COLUMN email TEXT;
ALTER TABLE tickets ADD COLUMN email_key TEXT;
ALTER TABLE tickets ADD COLUMN lang TEXT NOT NULL DEFAULT 'pl';
ALTER TABLE tickets ADD COLUMN arrived_at TIMESTAMPTZ;
CREATE UNIQUE INDEX tickets_remote_phone ON tickets (office_id, day, phone) WHERE kind = 'remote' AND phone IS NOT NULL;
CREATE UNIQUE INDEX tickets_remote_email ON tickets (office_id, day, email_key) WHERE kind = 'remote' AND email_key IS NOT NULL;

-- +goose Down
DELETE FROM tickets WHERE kind = 'remote';
DROP INDEX tickets_remote_email;
DROP INDEX tickets_remote_phone;
ALTER TABLE tickets DROP COLUMN arrived_at;
ALTER TABLE tickets DROP COLUMN lang;
ALTER TABLE tickets DROP COLUMN email_key;
ALTER TABLE tickets DROP COLUMN email;
ALTER TABLE tickets DROP CONSTRAINT tickets_kind_check;
ALTER TABLE tickets ADD CONSTRAINT tickets_kind_check CHECK (kind IN ('walk_in', 'booking'));
ALTER TABLE services DROP COLUMN remote_arrival_required;
ALTER TABLE services DROP COLUMN remote_tickets_per_day;
