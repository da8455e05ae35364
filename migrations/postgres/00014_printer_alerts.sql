-- +goose Up
-- Printer alerts: an office may name an address (alerts_email, '' for none)
-- that is told by e-mail when a kiosk's printer goes into a state that needs
-- a person (paper low or out, cover open, offline, unreachable, cutter
-- error). The message is the outbox kind 'printer_alert'; it holds the
-- kiosk's id (kiosk_id) and the id of the event of the change (in data), and
-- the composer reads the rest when it sends.
ALTER TABLE offices ADD COLUMN alerts_email TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('confirmation', 'reminder', 'cancellation', 'cancellation_late', 'turn_near', 'printer_alert'));
ALTER TABLE outbox ADD COLUMN kiosk_id BIGINT;

-- +goose Down
DELETE FROM outbox WHERE kind = 'printer_alert';
ALTER TABLE outbox DROP COLUMN kiosk_id;
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('confirmation', 'reminder', 'cancellation', 'cancellation_late', 'turn_near'));
ALTER TABLE offices DROP COLUMN alerts_email;
