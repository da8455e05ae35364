-- +goose NO TRANSACTION
-- +goose Up
-- The remote queue (e-kolejka, DESIGN section 12): a matter's
-- remote_tickets_per_day (0: off) lets residents join today's queue from a
-- phone; remote_arrival_required keeps such a ticket from being called before
-- the kiosk has checked it in (arrived_at). A remote ticket carries the
-- resident's phone or e-mail (email_key: lower-cased, +tag dropped) for the
-- "3 ahead" and "called" messages, erased with the phones of past days; one
-- remote ticket per phone and per e-mail a day.
--
-- SQLite can't change a CHECK in place: the tickets table is rebuilt (the
-- documented twelve steps) with foreign keys off, so print_jobs.ticket_id
-- and pickups.ticket_id keep their values.
PRAGMA foreign_keys = OFF;

-- +goose StatementBegin
BEGIN IMMEDIATE;
-- +goose StatementEnd

ALTER TABLE services ADD COLUMN remote_tickets_per_day INTEGER NOT NULL DEFAULT 0
    CHECK (remote_tickets_per_day BETWEEN 0 AND 999);
ALTER TABLE services ADD COLUMN remote_arrival_required BOOLEAN NOT NULL DEFAULT 0;

CREATE TABLE tickets_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id      TEXT NOT NULL UNIQUE,
    office_id      INTEGER NOT NULL REFERENCES offices(id) ON DELETE CASCADE,
    department_id  INTEGER NOT NULL REFERENCES departments(id) ON DELETE RESTRICT,
    service_id     INTEGER NOT NULL REFERENCES services(id) ON DELETE RESTRICT,
    day            TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('walk_in', 'booking', 'remote')),
    seq            INTEGER NOT NULL,
    number         TEXT NOT NULL,
    booking_id     INTEGER REFERENCES bookings(id) ON DELETE SET NULL,
    priority       BOOLEAN NOT NULL DEFAULT 0,
    status         TEXT NOT NULL CHECK (status IN ('waiting', 'called', 'serving', 'done', 'no_show', 'expired')),
    issued_at      DATETIME NOT NULL,
    due_at         DATETIME NOT NULL,
    counter_id     INTEGER REFERENCES counters(id) ON DELETE SET NULL,
    user_id        INTEGER REFERENCES users(id) ON DELETE SET NULL,
    called_at      DATETIME,
    recalls        INTEGER NOT NULL DEFAULT 0,
    started_at     DATETIME,
    finished_at    DATETIME,
    outcome        TEXT NOT NULL DEFAULT '',
    transfers      INTEGER NOT NULL DEFAULT 0,
    phone          TEXT,
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL,
    email          TEXT,
    email_key      TEXT,
    lang           TEXT NOT NULL DEFAULT 'pl',
    arrived_at     DATETIME,
    CONSTRAINT tickets_number_unique UNIQUE (office_id, day, number)
);
INSERT INTO tickets_new (id, public_id, office_id, department_id, service_id, day, kind, seq, number, booking_id,
    priority, status, issued_at, due_at, counter_id, user_id, called_at, recalls, started_at, finished_at,
    outcome, transfers, phone, created_at, updated_at)
SELECT id, public_id, office_id, department_id, service_id, day, kind, seq, number, booking_id,
    priority, status, issued_at, due_at, counter_id, user_id, called_at, recalls, started_at, finished_at,
    outcome, transfers, phone, created_at, updated_at FROM tickets;
DROP TABLE tickets;
ALTER TABLE tickets_new RENAME TO tickets;
CREATE INDEX tickets_waiting_idx ON tickets (status, service_id, due_at);
CREATE INDEX tickets_counter_idx ON tickets (counter_id, status);
CREATE INDEX tickets_day_idx ON tickets (day, department_id);
CREATE INDEX tickets_service_finished_idx ON tickets (service_id, finished_at);
CREATE UNIQUE INDEX tickets_remote_phone ON tickets (office_id, day, phone) WHERE kind = 'remote' AND phone IS NOT NULL;
CREATE UNIQUE INDEX tickets_remote_email ON tickets (office_id, day, email_key) WHERE kind = 'remote' AND email_key IS NOT NULL;

-- +goose StatementBegin
COMMIT;
-- +goose StatementEnd
PRAGMA foreign_keys = ON;

-- +goose Down
PRAGMA foreign_keys = OFF;

-- +goose StatementBegin
BEGIN IMMEDIATE;
-- +goose StatementEnd

DELETE FROM tickets WHERE kind = 'remote';
CREATE TABLE tickets_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id      TEXT NOT NULL UNIQUE,
    office_id      INTEGER NOT NULL REFERENCES offices(id) ON DELETE CASCADE,
    department_id  INTEGER NOT NULL REFERENCES departments(id) ON DELETE RESTRICT,
    service_id     INTEGER NOT NULL REFERENCES services(id) ON DELETE RESTRICT,
    day            TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('walk_in', 'booking')),
    seq            INTEGER NOT NULL,
    number         TEXT NOT NULL,
    booking_id     INTEGER REFERENCES bookings(id) ON DELETE SET NULL,
    priority       BOOLEAN NOT NULL DEFAULT 0,
    status         TEXT NOT NULL CHECK (status IN ('waiting', 'called', 'serving', 'done', 'no_show', 'expired')),
    issued_at      DATETIME NOT NULL,
    due_at         DATETIME NOT NULL,
    counter_id     INTEGER REFERENCES counters(id) ON DELETE SET NULL,
    user_id        INTEGER REFERENCES users(id) ON DELETE SET NULL,
    called_at      DATETIME,
    recalls        INTEGER NOT NULL DEFAULT 0,
    started_at     DATETIME,
    finished_at    DATETIME,
    outcome        TEXT NOT NULL DEFAULT '',
    transfers      INTEGER NOT NULL DEFAULT 0,
    phone          TEXT,
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL,
    CONSTRAINT tickets_number_unique UNIQUE (office_id, day, number)
);
INSERT INTO tickets_new (id, public_id, office_id, department_id, service_id, day, kind, seq, number, booking_id,
    priority, status, issued_at, due_at, counter_id, user_id, called_at, recalls, started_at, finished_at,
    outcome, transfers, phone, created_at, updated_at)
SELECT id, public_id, office_id, department_id, service_id, day, kind, seq, number, booking_id,
    priority, status, issued_at, due_at, counter_id, user_id, called_at, recalls, started_at, finished_at,
    outcome, transfers, phone, created_at, updated_at FROM tickets;
DROP TABLE tickets;
ALTER TABLE tickets_new RENAME TO tickets;
CREATE INDEX tickets_waiting_idx ON tickets (status, service_id, due_at);
CREATE INDEX tickets_counter_idx ON tickets (counter_id, status);
CREATE INDEX tickets_day_idx ON tickets (day, department_id);
CREATE INDEX tickets_service_finished_idx ON tickets (service_id, finished_at);
ALTER TABLE services DROP COLUMN remote_arrival_required;
ALTER TABLE services DROP COLUMN remote_tickets_per_day;

-- +goose StatementBegin
COMMIT;
-- +goose StatementEnd
PRAGMA foreign_keys = ON;
