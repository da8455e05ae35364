-- +goose Up
-- Webhooks (DESIGN section 12): endpoints of the office's document system
-- that receive domain events as signed JSON. Their messages travel through
-- the outbox on the channel "webhook": webhook_id names the endpoint and
-- object_key the object ("booking:42") whose events are delivered in order.
-- The secret signs the requests, so it is kept as written. Every attempt is
-- logged in webhook_attempts with the receiver's answer.
CREATE TABLE webhooks (
    id               BIGSERIAL PRIMARY KEY,
    url              TEXT NOT NULL,
    events           TEXT NOT NULL,
    secret           TEXT NOT NULL,
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason  TEXT NOT NULL DEFAULT '',
    disabled_at      TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE webhook_attempts (
    id           BIGSERIAL PRIMARY KEY,
    webhook_id   BIGINT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    outbox_id    BIGINT NOT NULL,
    attempt      INTEGER NOT NULL,
    at           TIMESTAMPTZ NOT NULL,
    status_code  INTEGER NOT NULL DEFAULT 0,
    error        TEXT NOT NULL DEFAULT '',
    response     TEXT NOT NULL DEFAULT '',
    duration_ms  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_attempts_outbox_idx ON webhook_attempts (outbox_id, id);

ALTER TABLE outbox DROP CONSTRAINT outbox_channel_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_channel_check CHECK (channel IN ('email', 'sms', 'webhook'));
ALTER TABLE outbox ADD COLUMN webhook_id BIGINT;
ALTER TABLE outbox ADD COLUMN object_key TEXT NOT NULL DEFAULT '';
CREATE INDEX outbox_webhook_idx ON outbox (webhook_id, object_key, id) WHERE webhook_id IS NOT NULL;

-- +goose Down
DELETE FROM outbox WHERE channel = 'webhook';
DROP INDEX outbox_webhook_idx;
ALTER TABLE outbox DROP COLUMN object_key;
ALTER TABLE outbox DROP COLUMN webhook_id;
ALTER TABLE outbox DROP CONSTRAINT outbox_channel_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_channel_check CHECK (channel IN ('email', 'sms'));
DROP TABLE webhook_attempts;
DROP TABLE webhooks;
