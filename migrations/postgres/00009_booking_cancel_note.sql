-- +goose Up
-- The office's words to the resident on why it cancelled a booking (the
-- closure's reason), kept as they were when it cancelled: the cancellation
-- message and the booking's page show them.
ALTER TABLE bookings ADD COLUMN cancel_note TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE bookings DROP COLUMN cancel_note;
