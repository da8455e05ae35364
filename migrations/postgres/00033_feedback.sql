-- +goose Up
-- Feedback after the visit (DESIGN section 12): one anonymous answer per
-- done ticket, a score 1–5 and an optional comment. No personal data: no
-- address, no phone, no e-mail. The matter, department, counter and office
-- day are copied from the ticket, so the answer counts in the statistics
-- even if the ticket goes; the link to it is only what keeps the answer
-- one per ticket, and is dropped (not the answer) when a ticket is deleted.
CREATE TABLE feedback (
    id             BIGSERIAL PRIMARY KEY,
    ticket_id      BIGINT UNIQUE REFERENCES tickets(id) ON DELETE SET NULL,
    day            DATE NOT NULL,
    department_id  BIGINT NOT NULL REFERENCES departments(id) ON DELETE RESTRICT,
    service_id     BIGINT NOT NULL REFERENCES services(id) ON DELETE RESTRICT,
    counter_id     BIGINT REFERENCES counters(id) ON DELETE SET NULL,
    score          SMALLINT NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment        TEXT NOT NULL DEFAULT '' CHECK (char_length(comment) <= 500),
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX feedback_day_idx ON feedback (day, service_id);

-- +goose Down
DROP TABLE feedback;
