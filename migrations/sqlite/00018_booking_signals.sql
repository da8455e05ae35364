-- +goose Up
-- What the administrator's view of suspicious bookings groups by, recorded
-- when a booking is made. All three are personal data, erased with the rest
-- of the booking's: the client's address (client_addr), its grouping key
-- (client_net: an IPv4 address itself, an IPv6 address's /64), and a keyed
-- signature of the birth date in the PESEL (pesel_birth: equal for equal
-- birth dates, but not the date, which with pesel_last4 would give the whole
-- PESEL away).
ALTER TABLE bookings ADD COLUMN client_addr TEXT;
ALTER TABLE bookings ADD COLUMN client_net TEXT;
ALTER TABLE bookings ADD COLUMN pesel_birth TEXT;

-- +goose Down
ALTER TABLE bookings DROP COLUMN pesel_birth;
ALTER TABLE bookings DROP COLUMN client_net;
ALTER TABLE bookings DROP COLUMN client_addr;
