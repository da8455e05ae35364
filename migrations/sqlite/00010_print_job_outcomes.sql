-- +goose Up
-- Honest print job states: a job whose bytes went out and whose outcome is
-- not known is 'unknown' (never printed again by itself, reprintable by
-- hand); a job that did not reach its printer within the kiosk's
-- max_job_age_minutes is 'expired' (never printed late). via says how the
-- job went out ('direct' to a network or local printer, 'agent' to the
-- kiosk's agent; '' while never sent): only direct jobs that never reached
-- the printer are retried. A reprint is a job of its own, reprint_of the
-- job it repeats.
CREATE TABLE print_jobs_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kiosk_id     INTEGER NOT NULL REFERENCES kiosks(id) ON DELETE CASCADE,
    ticket_id    INTEGER REFERENCES tickets(id) ON DELETE SET NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('ticket', 'test')),
    state        TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'done', 'failed', 'unknown', 'expired')),
    reason       TEXT NOT NULL DEFAULT '',
    attempts     INTEGER NOT NULL DEFAULT 0,
    payload      BLOB NOT NULL,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL,
    sent_at      DATETIME,
    done_at      DATETIME,
    via          TEXT NOT NULL DEFAULT '' CHECK (via IN ('', 'direct', 'agent')),
    reprint_of   INTEGER REFERENCES print_jobs_new(id) ON DELETE SET NULL
);
-- Jobs the agent took and never answered were 'failed' (agent_lost): their
-- outcome is unknown.
INSERT INTO print_jobs_new (id, kiosk_id, ticket_id, kind, state, reason, attempts, payload, created_at, updated_at, sent_at, done_at)
SELECT id, kiosk_id, ticket_id, kind,
       CASE WHEN state = 'failed' AND reason = 'agent_lost' THEN 'unknown' ELSE state END,
       reason, attempts, payload, created_at, updated_at, sent_at, done_at
FROM print_jobs;
DROP TABLE print_jobs;
ALTER TABLE print_jobs_new RENAME TO print_jobs;
CREATE INDEX print_jobs_kiosk_state_idx ON print_jobs (kiosk_id, state, id);
CREATE INDEX print_jobs_ticket_idx ON print_jobs (ticket_id);
CREATE INDEX print_jobs_state_idx ON print_jobs (state, sent_at);
CREATE INDEX print_jobs_reprint_idx ON print_jobs (reprint_of);

ALTER TABLE kiosks ADD COLUMN max_job_age_minutes INTEGER NOT NULL DEFAULT 10
    CHECK (max_job_age_minutes BETWEEN 1 AND 120);

-- +goose Down
ALTER TABLE kiosks DROP COLUMN max_job_age_minutes;
CREATE TABLE print_jobs_old (
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
INSERT INTO print_jobs_old (id, kiosk_id, ticket_id, kind, state, reason, attempts, payload, created_at, updated_at, sent_at, done_at)
SELECT id, kiosk_id, ticket_id, kind,
       CASE state WHEN 'unknown' THEN 'failed' WHEN 'expired' THEN 'failed' ELSE state END,
       reason, attempts, payload, created_at, updated_at, sent_at, done_at
FROM print_jobs;
DROP TABLE print_jobs;
ALTER TABLE print_jobs_old RENAME TO print_jobs;
CREATE INDEX print_jobs_kiosk_state_idx ON print_jobs (kiosk_id, state, id);
CREATE INDEX print_jobs_ticket_idx ON print_jobs (ticket_id);
