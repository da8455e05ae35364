-- +goose Up
-- Honest print job states: a job whose bytes went out and whose outcome is
-- not known is 'unknown' (never printed again by itself, reprintable by
-- hand); a job that did not reach its printer within the kiosk's
-- max_job_age_minutes is 'expired' (never printed late). via says how the
-- job went out ('direct' to a network or local printer, 'agent' to the
-- kiosk's agent; '' while never sent): only direct jobs that never reached
-- the printer are retried. A reprint is a job of its own, reprint_of the
-- job it repeats.
ALTER TABLE print_jobs DROP CONSTRAINT print_jobs_state_check;
ALTER TABLE print_jobs ADD CONSTRAINT print_jobs_state_check
    CHECK (state IN ('queued', 'sent', 'done', 'failed', 'unknown', 'expired'));
ALTER TABLE print_jobs ADD COLUMN via TEXT NOT NULL DEFAULT '' CHECK (via IN ('', 'direct', 'agent'));
ALTER TABLE print_jobs ADD COLUMN reprint_of BIGINT REFERENCES print_jobs(id) ON DELETE SET NULL;
-- Jobs the agent took and never answered were 'failed' (agent_lost): their
-- outcome is unknown.
UPDATE print_jobs SET state = 'unknown' WHERE state = 'failed' AND reason = 'agent_lost';
CREATE INDEX print_jobs_state_idx ON print_jobs (state, sent_at);
CREATE INDEX print_jobs_reprint_idx ON print_jobs (reprint_of);

ALTER TABLE kiosks ADD COLUMN max_job_age_minutes INTEGER NOT NULL DEFAULT 10
    CHECK (max_job_age_minutes BETWEEN 1 AND 120);

-- +goose Down
ALTER TABLE kiosks DROP COLUMN max_job_age_minutes;
DROP INDEX print_jobs_reprint_idx;
DROP INDEX print_jobs_state_idx;
ALTER TABLE print_jobs DROP COLUMN reprint_of;
ALTER TABLE print_jobs DROP COLUMN via;
UPDATE print_jobs SET state = 'failed' WHERE state IN ('unknown', 'expired');
ALTER TABLE print_jobs DROP CONSTRAINT print_jobs_state_check;
ALTER TABLE print_jobs ADD CONSTRAINT print_jobs_state_check
    CHECK (state IN ('queued', 'sent', 'done', 'failed'));
