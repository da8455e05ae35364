-- +goose Up
-- Displays: a hall TV with its department filter and language; the TV opens
-- /display?display=ID and follows what the administrator sets here.
CREATE TABLE displays (
    id          BIGSERIAL PRIMARY KEY,
    office_id   BIGINT NOT NULL REFERENCES offices(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    lang        TEXT NOT NULL DEFAULT 'pl' CHECK (lang IN ('pl', 'en', 'uk')),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX displays_office_name_idx ON displays (office_id, name);

CREATE TABLE display_departments (
    display_id     BIGINT NOT NULL REFERENCES displays(id) ON DELETE CASCADE,
    department_id  BIGINT NOT NULL REFERENCES departments(id) ON DELETE CASCADE,
    PRIMARY KEY (display_id, department_id)
);

-- Form templates (PDF) a matter offers for download. The bytes live in the
-- database, so every instance serves them without a shared disk.
CREATE TABLE attachments (
    id            BIGSERIAL PRIMARY KEY,
    service_id    BIGINT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    data          BYTEA NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX attachments_service_idx ON attachments (service_id, id);

-- +goose Down
DROP TABLE attachments;
DROP TABLE display_departments;
DROP TABLE displays;
