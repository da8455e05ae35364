package escpos

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// presetTicket is fixedTicket with a department line of 47 characters and a
// service of 45: longer than a TM-T88's 42 columns.
func presetTicket(t *testing.T) Ticket {
	tk := fixedTicket(t)
	tk.Department = "Wydział Architektury i Budownictwa — Pozwolenia"
	tk.Service = "Zażółć gęślą jaźń — wymiana dowodu osobistego"
	return tk
}

// testPageDetails are the caller's lines of the golden test pages.
var testPageDetails = []string{"Biletomat: Biletomat w holu, parter (wejście od ulicy Żółkiewskiego)", "Drukarka: tcp://192.0.2.10:9100"}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte, p Profile) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./kiosk/escpos -update)", err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("bytes differ from %s at offset %d (got %d bytes, want %d)\ngot:\n%s\nwant:\n%s",
			path, i, len(got), len(want), DecodeProfile(got, p), DecodeProfile(want, p))
	}
}

// checkPrinterBytes checks what every preset's job must be: it starts with
// ESC @, FS . exactly when the profile asks, ESC t with the profile's
// number; it ends with the profile's cut; every raster image fits the dots;
// decoded back, no line is longer than the column count and nothing is
// printed as '?' or a replacement.
func checkPrinterBytes(t *testing.T, p Profile, b []byte) string {
	t.Helper()
	head := []byte{0x1b, '@'}
	if p.ChineseOff {
		head = append(head, 0x1c, '.')
	}
	head = append(head, 0x1b, 't', byte(p.CodeTable))
	if !bytes.HasPrefix(b, head) {
		t.Errorf("starts % x; want % x", b[:min(len(b), 8)], head)
	}
	if got := bytes.Contains(b, []byte{0x1c, '.'}); got != p.ChineseOff {
		t.Errorf("FS . sent: %v; chinese_off %v", got, p.ChineseOff)
	}
	var tail []byte
	switch p.Cut {
	case CutPartial:
		tail = []byte{0x1d, 'V', 66}
	case CutFull:
		tail = []byte{0x1d, 'V', 65}
	case CutFeed:
		tail = []byte{0x1b, 'd'}
	}
	if i := bytes.LastIndex(b, tail); i < 0 || i < len(b)-4 {
		t.Errorf("cut %s: ends % x", p.Cut, b[max(0, len(b)-6):])
	}
	if p.Cut == CutFeed && bytes.Contains(b, []byte{0x1d, 'V'}) {
		t.Errorf("a printer without a cutter is sent GS V")
	}
	for i, img := range rasterImages(t, b) {
		if w := img.Bounds().Dx(); w > p.Dots {
			t.Errorf("raster image %d is %d dots wide; the printer has %d", i, w, p.Dots)
		}
	}
	text := DecodeProfile(b, p)
	if strings.ContainsAny(text, "?\x1a\uFFFD") {
		t.Errorf("decoded text has a replacement character:\n%s", text)
	}
	for _, l := range strings.Split(text, "\n") {
		if n := utf8.RuneCountInString(l); n > p.Columns {
			t.Errorf("line %q has %d columns; the printer has %d", l, n, p.Columns)
		}
	}
	return text
}

// wrappedAt checks that text, as the printer got it, is on consecutive lines
// of lines broken only at spaces.
func wrappedAt(t *testing.T, lines []string, text string) {
	t.Helper()
	first := -1
	for i, l := range lines {
		if l != "" && strings.HasPrefix(text, l) {
			first = i
			break
		}
	}
	if first < 0 {
		t.Errorf("no line starts %q in %q", text, lines)
		return
	}
	joined := lines[first]
	for i := first + 1; len(joined) < len(text) && i < len(lines); i++ {
		joined += " " + lines[i]
	}
	if joined != text {
		t.Errorf("%q is printed as %q: broken inside a word", text, joined)
	}
}

func TestPresetsGolden(t *testing.T) {
	if len(Presets) != 3 {
		t.Fatalf("%d presets", len(Presets))
	}
	for _, pr := range Presets {
		t.Run(pr.ID, func(t *testing.T) {
			p := pr.Profile
			if err := p.Validate(); err != nil {
				t.Fatalf("preset does not validate: %v", err)
			}
			tk := presetTicket(t)
			b, err := Render(p, tk)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "ticket_preset_"+pr.ID+".bin", b, p)
			text := checkPrinterBytes(t, p, b)
			lines := strings.Split(text, "\n")
			for _, r := range polishLetters {
				if !strings.ContainsRune(text, r) {
					t.Errorf("%q lost from the ticket", r)
				}
			}
			dash := "-"
			if table, _ := p.table(); table.printable('—') {
				dash = "—"
			}
			wrappedAt(t, lines, strings.ReplaceAll(tk.Department, "—", dash))
			wrappedAt(t, lines, strings.ReplaceAll(tk.Service, "—", dash))
			if !containsLine(lines, "D017") || !containsLine(lines, "Twój numer") {
				t.Errorf("no number in:\n%s", text)
			}
			if p.QR == QRRaster {
				imgs := rasterImages(t, b)
				if len(imgs) != 1 || decodeQR(t, withQuietZone(imgs[0], 32)) != testStatusURL {
					t.Errorf("the raster QR code does not read back")
				}
			}

			page, err := TestPage(p, testStatusURL, testPageDetails...)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "testpage_preset_"+pr.ID+".bin", page, p)
			text = checkPrinterBytes(t, p, page)
			lines = strings.Split(text, "\n")
			for _, want := range []string{"Zażółć gęślą jaźń", "ZAŻÓŁĆ GĘŚLĄ JAŹŃ", ruler(p.Columns)} {
				if !containsLine(lines, want) {
					t.Errorf("the test page has no line %q:\n%s", want, text)
				}
			}
			if utf8.RuneCountInString(ruler(p.Columns)) != p.Columns {
				t.Errorf("ruler of %d columns", utf8.RuneCountInString(ruler(p.Columns)))
			}
			wrappedAt(t, lines, "Biletomat: Biletomat w holu, parter (wejście od ulicy Żółkiewskiego)")
			imgs := rasterImages(t, page)
			if len(imgs) == 0 || imgs[0].Bounds().Dx() != p.Dots {
				t.Errorf("the test page has no bar %d dots wide", p.Dots)
			}
		})
	}
}

// The ticket in English and Ukrainian on every preset: the labels in the
// visitor's language, Ukrainian in Latin letters by the national
// transliteration, nothing lost, nothing over the column count.
func TestPresetsTicketLanguages(t *testing.T) {
	for _, pr := range Presets {
		for lang, want := range map[string][]string{
			"en": {"Your number", "Ahead of you: 3 people"},
			"uk": {"Vash nomer", "Pered vamy: 3 osoby", "Skanuite kod, shchob stezhyty za"},
		} {
			tk := presetTicket(t)
			tk.Lang = lang
			b, err := Render(pr.Profile, tk)
			if err != nil {
				t.Fatal(err)
			}
			text := checkPrinterBytes(t, pr.Profile, b)
			flat := strings.Join(strings.Fields(text), " ")
			for _, w := range want {
				if !strings.Contains(flat, w) {
					t.Errorf("%s %s: no %q in\n%s", pr.ID, lang, w, text)
				}
			}
			if strings.ContainsFunc(text, isCyrillic) || containsLine(strings.Split(text, "\n"), "Twój numer") {
				t.Errorf("%s %s: Cyrillic or Polish labels in\n%s", pr.ID, lang, text)
			}
		}
	}
}

// A reprint (DUPLIKAT) on every preset and in every language: the mark in
// the visitor's language, at double width within the columns, the issue and
// reprint times labelled in that language, every line within the columns,
// images within the dots, the raster QR code still readable.
func TestPresetsReprint(t *testing.T) {
	for _, pr := range Presets {
		for lang, want := range map[string][]string{
			"pl": {"DUPLIKAT", "Wydano: 23.11.2026 10:15", "Duplikat: 23.11.2026 10:40", "Twój numer"},
			"en": {"DUPLICATE", "Issued: 23.11.2026 10:15", "Reprinted: 23.11.2026 10:40", "Your number"},
			"uk": {"DUBLIKAT", "Vydano: 23.11.2026 10:15", "Dublikat: 23.11.2026 10:40", "Vash nomer"},
		} {
			p := pr.Profile
			tk := presetTicket(t)
			tk.Lang = lang
			tk.Reprinted = tk.Issued.Add(25 * time.Minute)
			b, err := Render(p, tk)
			if err != nil {
				t.Fatal(err)
			}
			text := checkPrinterBytes(t, p, b)
			lines := strings.Split(text, "\n")
			if first := lines[0]; first != want[0] || 2*utf8.RuneCountInString(first) > p.Columns {
				t.Errorf("%s %s: first line %q; want the mark %q at double width within %d columns", pr.ID, lang, first, want[0], p.Columns)
			}
			flat := strings.Join(strings.Fields(text), " ")
			for _, w := range want[1:] {
				if !strings.Contains(flat, w) {
					t.Errorf("%s %s: no %q in\n%s", pr.ID, lang, w, text)
				}
			}
			if strings.ContainsFunc(text, isCyrillic) {
				t.Errorf("%s %s: Cyrillic in\n%s", pr.ID, lang, text)
			}
			if p.QR == QRRaster {
				imgs := rasterImages(t, b)
				if len(imgs) != 1 || decodeQR(t, withQuietZone(imgs[0], 32)) != testStatusURL {
					t.Errorf("%s %s: the raster QR code does not read back", pr.ID, lang)
				}
			}
		}
	}
}
