-- +goose Up
-- Outbox claims become leases: a worker claims a message for lease_owner
-- until lease_until, renews the lease while it sends, and only the owner
-- marks the message sent or failed; an expired lease is taken over. The
-- installation's id makes provider idempotency keys and Message-IDs unique
-- per installation. A trigger wakes the workers of every instance when a
-- message becomes due (NOTIFY is delivered on commit).
ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
ALTER TABLE outbox ADD COLUMN lease_until TIMESTAMPTZ;
UPDATE outbox SET lease_until = claimed_at WHERE state = 'sending';
DROP INDEX outbox_due_idx;
CREATE INDEX outbox_due_idx ON outbox (channel, state, next_attempt_at, id);
CREATE INDEX outbox_lease_idx ON outbox (channel, state, lease_until);

CREATE TABLE installation (
    id  TEXT PRIMARY KEY
);
INSERT INTO installation (id) VALUES (substr(md5(random()::text || clock_timestamp()::text), 1, 16));

-- +goose StatementBegin
CREATE FUNCTION outbox_wake() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('okienko_outbox', coalesce(current_schema(), '') || ':' || NEW.channel);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER outbox_wake AFTER INSERT OR UPDATE OF state ON outbox
    FOR EACH ROW WHEN (NEW.state = 'queued') EXECUTE FUNCTION outbox_wake();

-- +goose Down
DROP TRIGGER outbox_wake ON outbox;
DROP FUNCTION outbox_wake();
DROP TABLE installation;
DROP INDEX outbox_lease_idx;
DROP INDEX outbox_due_idx;
CREATE INDEX outbox_due_idx ON outbox (state, next_attempt_at, id);
ALTER TABLE outbox DROP COLUMN lease_until;
ALTER TABLE outbox DROP COLUMN lease_owner;
