-- +goose Up
-- A counter's short label for the hall display ("4", "Kasa"), where its
-- name ("Stanowisko 4") would not fit; empty: the display shows the name.
ALTER TABLE counters ADD COLUMN label TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE counters DROP COLUMN label;
