-- +goose Up
-- A matter's own ticket letter (issue 23, open data per office): 1–3
-- letters A–Z, NULL for the department's prefix. Numbers are given per
-- letter, not per department: every matter showing one letter takes its
-- numbers from one stream (Warsaw's literaGrupy), each kind (walk-in D017,
-- booking DR05, remote DE05) a stream of its own as before.
ALTER TABLE services ADD COLUMN ticket_prefix TEXT;

-- The last number given per office, office day, letter and kind.
CREATE TABLE ticket_sequences_by_letter (
    office_id  INTEGER NOT NULL REFERENCES offices(id) ON DELETE CASCADE,
    day        TEXT NOT NULL,
    letter     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    last       INTEGER NOT NULL,
    PRIMARY KEY (office_id, day, letter, kind)
);
INSERT INTO ticket_sequences_by_letter (office_id, day, letter, kind, last)
    SELECT d.office_id, s.day, d.ticket_prefix, s.kind, MAX(s.last)
    FROM ticket_sequences s JOIN departments d ON d.id = s.department_id
    GROUP BY d.office_id, s.day, d.ticket_prefix, s.kind;
DROP TABLE ticket_sequences;
ALTER TABLE ticket_sequences_by_letter RENAME TO ticket_sequences;

-- +goose Down
CREATE TABLE ticket_sequences_by_department (
    department_id  INTEGER NOT NULL REFERENCES departments(id) ON DELETE CASCADE,
    day            TEXT NOT NULL,
    kind           TEXT NOT NULL,
    last           INTEGER NOT NULL,
    PRIMARY KEY (department_id, day, kind)
);
INSERT INTO ticket_sequences_by_department (department_id, day, kind, last)
    SELECT d.id, s.day, s.kind, s.last
    FROM ticket_sequences s JOIN departments d ON d.office_id = s.office_id AND d.ticket_prefix = s.letter;
DROP TABLE ticket_sequences;
ALTER TABLE ticket_sequences_by_department RENAME TO ticket_sequences;
ALTER TABLE services DROP COLUMN ticket_prefix;
