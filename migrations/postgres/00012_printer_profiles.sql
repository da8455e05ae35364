-- +goose Up
-- Printer profiles (DESIGN 12): the printer's columns and dots, the charset
-- its code table number holds (clones number tables their own way), the cut
-- (partial, full, or feed where there is no cutter), FS . for clones that
-- boot in Chinese mode, and whether the printer is asked its status (DLE
-- EOT) at all. Existing kiosks keep printing as before: their paper's
-- columns and dots, Epson's meaning of their code table, a partial cut
-- where they had a cutter, the status asked.
ALTER TABLE kiosks ADD COLUMN columns INTEGER NOT NULL DEFAULT 48;
ALTER TABLE kiosks ADD COLUMN dots INTEGER NOT NULL DEFAULT 576;
ALTER TABLE kiosks ADD COLUMN charset TEXT NOT NULL DEFAULT 'pc852';
ALTER TABLE kiosks ADD COLUMN cut TEXT NOT NULL DEFAULT 'partial';
ALTER TABLE kiosks ADD COLUMN chinese_off BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE kiosks ADD COLUMN ask_status BOOLEAN NOT NULL DEFAULT true;
UPDATE kiosks SET columns = 32, dots = 384 WHERE paper_mm = 58;
UPDATE kiosks SET charset = 'wpc1250' WHERE code_table = 45;
UPDATE kiosks SET cut = 'feed' WHERE NOT cutter;

-- +goose Down
ALTER TABLE kiosks DROP COLUMN ask_status;
ALTER TABLE kiosks DROP COLUMN chinese_off;
ALTER TABLE kiosks DROP COLUMN cut;
ALTER TABLE kiosks DROP COLUMN charset;
ALTER TABLE kiosks DROP COLUMN dots;
ALTER TABLE kiosks DROP COLUMN columns;
