-- +goose Up
-- How many live bookings hold each span of a service: kept by the seat path
-- in the same transaction as the bookings, so availability reads a few
-- hundred rows instead of counting every booking.
CREATE TABLE booking_load (
    service_id  BIGINT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    starts_at   TIMESTAMPTZ NOT NULL,
    ends_at     TIMESTAMPTZ NOT NULL,
    n           INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (service_id, starts_at, ends_at)
);
INSERT INTO booking_load (service_id, starts_at, ends_at, n)
SELECT service_id, starts_at, ends_at, count(*) FROM bookings
WHERE status IN ('booked', 'checked_in')
GROUP BY service_id, starts_at, ends_at;

-- +goose Down
DROP TABLE booking_load;
