-- +goose Up
-- A matter withdrawn by an administrator is archived, not deleted: its
-- bookings, tickets, statistics and notices still name it, but the catalog,
-- the kiosk and the counters no longer offer it (NULL: offered).
ALTER TABLE services ADD COLUMN archived_at DATETIME;

-- The departments a counter serves the matters of (a small office's single
-- counter serves them all). counters.department_id stays as the counter's
-- first (primary) department and is always one of these rows.
CREATE TABLE counter_departments (
    counter_id     INTEGER NOT NULL REFERENCES counters(id) ON DELETE CASCADE,
    department_id  INTEGER NOT NULL REFERENCES departments(id) ON DELETE RESTRICT,
    PRIMARY KEY (counter_id, department_id)
);
CREATE INDEX counter_departments_department_idx ON counter_departments (department_id);
INSERT INTO counter_departments (counter_id, department_id) SELECT id, department_id FROM counters;

-- +goose Down
DROP TABLE counter_departments;
ALTER TABLE services DROP COLUMN archived_at;
