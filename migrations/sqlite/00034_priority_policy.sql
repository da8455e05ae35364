-- +goose Up
-- A department's priority policy (DESIGN section 12): strict (priority
-- tickets and due bookings first, as before), ratio (one priority ticket
-- after every N others) or aging (a walk-in's wait counts more the longer
-- it waits), as JSON text; and how long after its slot a due booking may
-- wait before it goes ahead of everybody.
ALTER TABLE departments ADD COLUMN priority_policy TEXT NOT NULL DEFAULT '{"mode":"strict"}';
ALTER TABLE departments ADD COLUMN booking_grace_minutes INTEGER NOT NULL DEFAULT 10;

-- +goose Down
ALTER TABLE departments DROP COLUMN booking_grace_minutes;
ALTER TABLE departments DROP COLUMN priority_policy;
