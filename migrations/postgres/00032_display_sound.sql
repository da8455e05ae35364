-- +goose Up
-- A display whose administrator turned its sound on: its TV tries to chime
-- and speak from the start, without waiting for a touch, and when the
-- browser still refuses it says so in a small hint below the board.
ALTER TABLE displays ADD COLUMN sound BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE displays DROP COLUMN sound;
