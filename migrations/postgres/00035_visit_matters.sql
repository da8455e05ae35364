-- +goose Up
-- Several matters in one visit (DESIGN section 12): a booking of 2–4
-- matters of one department, one after another from its start, one code.
-- The booking's row keeps the first matter and its span, so whatever reads
-- bookings goes on working; every matter's span, the first's included, is
-- an item here, each holding its seat in booking_load. matters is how many
-- items a booking has (0: a booking of one matter, with no items).
CREATE TABLE booking_items (
    booking_id  BIGINT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL CHECK (position >= 0),
    service_id  BIGINT NOT NULL REFERENCES services(id) ON DELETE RESTRICT,
    starts_at   TIMESTAMPTZ NOT NULL,
    ends_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (booking_id, position)
);
CREATE INDEX booking_items_service_idx ON booking_items (service_id, starts_at);
ALTER TABLE bookings ADD COLUMN matters INTEGER NOT NULL DEFAULT 0;
-- The matters a checked-in visit's ticket still has after its current one
-- (service_id), in order, as comma-separated service ids.
ALTER TABLE tickets ADD COLUMN remaining TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE tickets DROP COLUMN remaining;
ALTER TABLE bookings DROP COLUMN matters;
DROP TABLE booking_items;
