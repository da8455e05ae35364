-- +goose Up
-- The language of a ticket's print job (pl, en, uk: the visitor's choice at
-- the kiosk), so that a reprint (its duplicate) prints in the language the
-- ticket was first printed in. Empty for test pages and for jobs stored
-- before this column: those print in Polish.
ALTER TABLE print_jobs ADD COLUMN lang TEXT NOT NULL DEFAULT '' CHECK (lang IN ('', 'pl', 'en', 'uk'));

-- +goose Down
ALTER TABLE print_jobs DROP COLUMN lang;
