-- +goose Up
-- A kiosk's screen, set per kiosk by the administrator (WCAG 2.2.1, EN 301
-- 549 §8.3): the seconds without a touch before a choice screen
-- (idle_seconds) and a typing screen, the booking code or the phone for an
-- SMS (input_idle_seconds), returns to the start; how long before that a
-- warning offers more time (warn_seconds, at least 20 s and less than
-- either); and the layout, 'low' putting every control in the lower part
-- of a portrait screen, within a seated visitor's reach.
ALTER TABLE kiosks ADD COLUMN idle_seconds INTEGER NOT NULL DEFAULT 45
    CHECK (idle_seconds BETWEEN 30 AND 600);
ALTER TABLE kiosks ADD COLUMN input_idle_seconds INTEGER NOT NULL DEFAULT 90
    CHECK (input_idle_seconds BETWEEN 30 AND 600);
ALTER TABLE kiosks ADD COLUMN warn_seconds INTEGER NOT NULL DEFAULT 20
    CHECK (warn_seconds BETWEEN 20 AND 120);
ALTER TABLE kiosks ADD COLUMN layout TEXT NOT NULL DEFAULT 'standard'
    CHECK (layout IN ('standard', 'low'));

-- +goose Down
ALTER TABLE kiosks DROP COLUMN layout;
ALTER TABLE kiosks DROP COLUMN warn_seconds;
ALTER TABLE kiosks DROP COLUMN input_idle_seconds;
ALTER TABLE kiosks DROP COLUMN idle_seconds;
