-- +goose Up
-- Per-clerk and per-counter reports (issue 23): the reasons a clerk picks
-- when pausing a counter (a short list the administrator edits; a reason in
-- use is archived, not deleted), and every pause as an interval. A pause
-- still open when the clerk signs out or the day ends is closed then; day
-- is the office day it began on.
CREATE TABLE pause_reasons (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    name_en      TEXT NOT NULL DEFAULT '' CHECK (length(name_en) <= 60),
    name_uk      TEXT NOT NULL DEFAULT '' CHECK (length(name_uk) <= 60),
    position     INTEGER NOT NULL DEFAULT 0,
    archived_at  DATETIME,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL
);
CREATE UNIQUE INDEX pause_reasons_name_idx ON pause_reasons (lower(name)) WHERE archived_at IS NULL;
INSERT INTO pause_reasons (name, name_en, name_uk, position, created_at, updated_at) VALUES
    ('Przerwa', 'Break', 'Перерва', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('Sprawy administracyjne', 'Administrative tasks', 'Адміністративні справи', 2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('Szkolenie', 'Training', 'Навчання', 3, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);

CREATE TABLE counter_pauses (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    counter_id  INTEGER REFERENCES counters(id) ON DELETE SET NULL,
    user_id     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    reason_id   INTEGER REFERENCES pause_reasons(id) ON DELETE RESTRICT,
    day         TEXT NOT NULL,
    started_at  DATETIME NOT NULL,
    ended_at    DATETIME,
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX counter_pauses_day_idx ON counter_pauses (day);
CREATE INDEX counter_pauses_open_idx ON counter_pauses (counter_id) WHERE ended_at IS NULL;

-- +goose Down
DROP TABLE counter_pauses;
DROP TABLE pause_reasons;
