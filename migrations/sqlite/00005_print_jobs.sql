-- +goose Up
-- Print jobs: a ticket exists before it is printed; its ESC/POS bytes are
-- stored so a failed job can be retried or reprinted, and nothing is lost
-- when a printer fails.
CREATE TABLE print_jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kiosk_id     INTEGER NOT NULL REFERENCES kiosks(id) ON DELETE CASCADE,
    ticket_id    INTEGER REFERENCES tickets(id) ON DELETE SET NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('ticket', 'test')),
    state        TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'done', 'failed')),
    reason       TEXT NOT NULL DEFAULT '',
    attempts     INTEGER NOT NULL DEFAULT 0,
    payload      BLOB NOT NULL,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL,
    sent_at      DATETIME,
    done_at      DATETIME
);
CREATE INDEX print_jobs_kiosk_state_idx ON print_jobs (kiosk_id, state, id);
CREATE INDEX print_jobs_ticket_idx ON print_jobs (ticket_id);

ALTER TABLE kiosks ADD COLUMN printer_checked_at DATETIME;

-- +goose Down
ALTER TABLE kiosks DROP COLUMN printer_checked_at;
DROP TABLE print_jobs;
