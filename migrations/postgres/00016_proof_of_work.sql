-- +goose Up
-- Proof of work (DESIGN section 12): a matter may ask residents' browsers
-- and API clients to solve an ALTCHA-compatible challenge before booking,
-- cancelling by day or looking a booking up by its code.
ALTER TABLE services ADD COLUMN proof_of_work BOOLEAN NOT NULL DEFAULT false;

-- Solved challenges already used, remembered until they expire (a Unix
-- time, the challenge's own ?expires=) so that one solution is good for
-- one request on every instance; expired rows are swept on insert.
CREATE TABLE proof_claims (
    challenge   TEXT PRIMARY KEY,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX proof_claims_expires_idx ON proof_claims (expires_at);

-- +goose Down
DROP TABLE proof_claims;
ALTER TABLE services DROP COLUMN proof_of_work;
