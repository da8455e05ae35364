-- +goose Up
-- Residents' sign-in with the national trusted profile (login.gov.pl, SAML
-- 2.0; DESIGN section 12). A booking made while signed in carries the PESEL
-- of the identity provider's assertion, not a typed one: pesel_verified.
ALTER TABLE bookings ADD COLUMN pesel_verified BOOLEAN NOT NULL DEFAULT false;

-- The authentication requests this service provider sent, each answered at
-- most once: a response must be InResponseTo one of them, unexpired (a Unix
-- time); return_to is the site page the resident comes back to.
CREATE TABLE saml_requests (
    id          TEXT PRIMARY KEY,
    return_to   TEXT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX saml_requests_expires_idx ON saml_requests (expires_at);

-- The IDs of the assertions accepted, remembered until the assertion could
-- no longer be accepted anyway (a Unix time), so that one assertion signs a
-- resident in once on every instance sharing the database.
CREATE TABLE saml_assertions (
    id          TEXT PRIMARY KEY,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX saml_assertions_expires_idx ON saml_assertions (expires_at);

-- +goose Down
DROP TABLE saml_assertions;
DROP TABLE saml_requests;
ALTER TABLE bookings DROP COLUMN pesel_verified;
