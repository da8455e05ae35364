-- +goose Up
-- Outbox claims become leases: a worker claims a message for lease_owner
-- until lease_until, renews the lease while it sends, and only the owner
-- marks the message sent or failed; an expired lease is taken over. The
-- installation's id makes provider idempotency keys and Message-IDs unique
-- per installation.
ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
ALTER TABLE outbox ADD COLUMN lease_until DATETIME;
UPDATE outbox SET lease_until = claimed_at WHERE state = 'sending';
DROP INDEX outbox_due_idx;
CREATE INDEX outbox_due_idx ON outbox (channel, state, next_attempt_at, id);
CREATE INDEX outbox_lease_idx ON outbox (channel, state, lease_until);

CREATE TABLE installation (
    id  TEXT PRIMARY KEY
);
INSERT INTO installation (id) VALUES (lower(hex(randomblob(8))));

-- +goose Down
DROP TABLE installation;
DROP INDEX outbox_lease_idx;
DROP INDEX outbox_due_idx;
CREATE INDEX outbox_due_idx ON outbox (state, next_attempt_at, id);
ALTER TABLE outbox DROP COLUMN lease_until;
ALTER TABLE outbox DROP COLUMN lease_owner;
