-- +goose Up
-- Print jobs: a ticket exists before it is printed; its ESC/POS bytes are
-- stored so a failed job can be retried or reprinted, and nothing is lost
-- when a printer fails.
CREATE TABLE print_jobs (
    id           BIGSERIAL PRIMARY KEY,
    kiosk_id     BIGINT NOT NULL REFERENCES kiosks(id) ON DELETE CASCADE,
    ticket_id    BIGINT REFERENCES tickets(id) ON DELETE SET NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('ticket', 'test')),
    state        TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'done', 'failed')),
    reason       TEXT NOT NULL DEFAULT '',
    attempts     INTEGER NOT NULL DEFAULT 0,
    payload      BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    sent_at      TIMESTAMPTZ,
    done_at      TIMESTAMPTZ
);
CREATE INDEX print_jobs_kiosk_state_idx ON print_jobs (kiosk_id, state, id);
CREATE INDEX print_jobs_ticket_idx ON print_jobs (ticket_id);

ALTER TABLE kiosks ADD COLUMN printer_checked_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE kiosks DROP COLUMN printer_checked_at;
DROP TABLE print_jobs;
