-- +goose Up
-- The catalog in the languages of the interface: a department's and a
-- matter's English and Ukrainian names, descriptions and instructions (''
-- where the Polish text stands in), and the words residents search a matter
-- by besides its names (keywords, edited by the office).
ALTER TABLE departments ADD COLUMN name_en TEXT NOT NULL DEFAULT '';
ALTER TABLE departments ADD COLUMN name_uk TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN name_en TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN name_uk TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN description_en TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN description_uk TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN instructions_en TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN instructions_uk TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN keywords TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE services DROP COLUMN keywords;
ALTER TABLE services DROP COLUMN instructions_uk;
ALTER TABLE services DROP COLUMN instructions_en;
ALTER TABLE services DROP COLUMN description_uk;
ALTER TABLE services DROP COLUMN description_en;
ALTER TABLE services DROP COLUMN name_uk;
ALTER TABLE services DROP COLUMN name_en;
ALTER TABLE departments DROP COLUMN name_uk;
ALTER TABLE departments DROP COLUMN name_en;
