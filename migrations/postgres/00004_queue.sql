-- +goose Up
-- Queue tickets. A ticket exists before it is printed; its number restarts
-- every office day per department.
CREATE TABLE tickets (
    id             BIGSERIAL PRIMARY KEY,
    public_id      TEXT NOT NULL UNIQUE,          -- for /t/{public_id}, unguessable
    office_id      BIGINT NOT NULL REFERENCES offices(id) ON DELETE CASCADE,
    department_id  BIGINT NOT NULL REFERENCES departments(id) ON DELETE RESTRICT,
    service_id     BIGINT NOT NULL REFERENCES services(id) ON DELETE RESTRICT,
    day            DATE NOT NULL,                 -- office day of issue
    kind           TEXT NOT NULL CHECK (kind IN ('walk_in', 'booking')),
    seq            INTEGER NOT NULL,
    number         TEXT NOT NULL,                 -- D017, DR05
    booking_id     BIGINT REFERENCES bookings(id) ON DELETE SET NULL,
    priority       BOOLEAN NOT NULL DEFAULT FALSE,
    status         TEXT NOT NULL CHECK (status IN ('waiting', 'called', 'serving', 'done', 'no_show', 'expired')),
    issued_at      TIMESTAMPTZ NOT NULL,          -- kept on transfer
    due_at         TIMESTAMPTZ NOT NULL,          -- place in the queue: issue time, or a booking's slot start
    counter_id     BIGINT REFERENCES counters(id) ON DELETE SET NULL,
    user_id        BIGINT REFERENCES users(id) ON DELETE SET NULL,
    called_at      TIMESTAMPTZ,
    recalls        INTEGER NOT NULL DEFAULT 0,
    started_at     TIMESTAMPTZ,
    finished_at    TIMESTAMPTZ,
    outcome        TEXT NOT NULL DEFAULT '',
    transfers      INTEGER NOT NULL DEFAULT 0,
    phone          TEXT,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    CONSTRAINT tickets_number_unique UNIQUE (office_id, day, number)
);
CREATE INDEX tickets_waiting_idx ON tickets (status, service_id, due_at);
CREATE INDEX tickets_counter_idx ON tickets (counter_id, status);
CREATE INDEX tickets_day_idx ON tickets (day, department_id);
CREATE INDEX tickets_service_finished_idx ON tickets (service_id, finished_at);

-- The last number given per department, office day and kind.
CREATE TABLE ticket_sequences (
    department_id  BIGINT NOT NULL REFERENCES departments(id) ON DELETE CASCADE,
    day            DATE NOT NULL,
    kind           TEXT NOT NULL,
    last           INTEGER NOT NULL,
    PRIMARY KEY (department_id, day, kind)
);

-- Who works at a counter now: one clerk per counter, one counter per clerk.
CREATE TABLE counter_states (
    counter_id   BIGINT PRIMARY KEY REFERENCES counters(id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    status       TEXT NOT NULL CHECK (status IN ('open', 'paused')),
    service_ids  TEXT NOT NULL DEFAULT '[]',      -- the services served today (JSON)
    opened_at    TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE counter_states;
DROP TABLE ticket_sequences;
DROP TABLE tickets;
