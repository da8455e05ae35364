package escpos

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenProfiles are the printers the golden files are made for.
func goldenProfiles(t *testing.T) map[string]Profile {
	t.Helper()
	wpc, err := ProfileFor(80, CodeTableWPC1250, QRNative, true)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]Profile{
		"ticket_80mm_pc852_native.bin":   Profile80,
		"ticket_58mm_pc852_raster.bin":   Profile58,
		"ticket_80mm_wpc1250_native.bin": wpc,
	}
}

func TestRenderGolden(t *testing.T) {
	for name, p := range goldenProfiles(t) {
		t.Run(name, func(t *testing.T) {
			got, err := Render(p, fixedTicket(t))
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", name)
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
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
					path, i, len(got), len(want), Decode(got, p.CodeTable), Decode(want, p.CodeTable))
			}
		})
	}
}

func TestRenderDecodesToPolish(t *testing.T) {
	for name, p := range goldenProfiles(t) {
		t.Run(name, func(t *testing.T) {
			b, err := Render(p, fixedTicket(t))
			if err != nil {
				t.Fatal(err)
			}
			text := Decode(b, p.CodeTable)
			if strings.ContainsAny(text, "?\x1a\uFFFD") {
				t.Fatalf("decoded ticket has a replacement character:\n%s", text)
			}
			dash, dot := "-", "-"
			if p.CodeTable == CodeTableWPC1250 { // WPC1250 has both
				dash, dot = "—", "·"
			}
			lines := strings.Split(text, "\n")
			for _, want := range []string{
				"Urząd Miasta Okienkowo",
				"D017",
				"23.11.2026 10:15",
				"Przed Tobą: 3 osoby " + dot + " ok. 12 min",
				"Twój numer",
			} {
				if !containsLine(lines, want) {
					t.Errorf("no line %q in:\n%s", want, text)
				}
			}
			if !strings.HasPrefix(lineWith(lines, "Zażółć"), "Zażółć gęślą jaźń "+dash) {
				t.Errorf("service line %q", lineWith(lines, "Zażółć"))
			}
			flat := strings.Join(strings.Fields(text), " ")
			for _, want := range []string{
				"Wydział Spraw Obywatelskich i Rejestracji Pojazdów " + dash + " Dowody osobiste",
				"Zażółć gęślą jaźń " + dash + " wymiana dowodu osobistego",
				"Przygotuj dowód osobisty. Gdy Twój numer pojawi się na ekranie, podejdź do wskazanego okienka.",
				"ŻÓŁĆ:",
				"ĄĘŚŹŃ",
			} {
				if !strings.Contains(flat, want) {
					t.Errorf("ticket text lacks %q:\n%s", want, text)
				}
			}
			for _, l := range lines {
				if n := utf8.RuneCountInString(l); n > p.Columns {
					t.Errorf("line %q has %d columns, paper has %d", l, n, p.Columns)
				}
			}
			for _, r := range polishLetters { // the fixed ticket uses all 18
				if !strings.ContainsRune(text, r) {
					t.Errorf("%q lost from the ticket", r)
				}
			}
		})
	}
}

func containsLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

func lineWith(lines []string, part string) string {
	for _, l := range lines {
		if strings.Contains(l, part) {
			return l
		}
	}
	return ""
}

func TestRenderCommands(t *testing.T) {
	for name, p := range goldenProfiles(t) {
		t.Run(name, func(t *testing.T) {
			b, err := Render(p, fixedTicket(t))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b, []byte{0x1b, '@', 0x1b, 't', byte(p.CodeTable)}) {
				t.Errorf("does not start with ESC @ ESC t %d: % x", p.CodeTable, b[:8])
			}
			native := bytes.Contains(b, []byte{0x1d, '(', 'k', 3, 0, 49, 81, 48})
			raster := bytes.Contains(b, []byte{0x1d, 'v', '0'})
			if native != (p.QR == QRNative) || raster != (p.QR == QRRaster) {
				t.Errorf("QR mode %s: native print %v, raster %v", p.QR, native, raster)
			}
			cut := bytes.HasSuffix(b, []byte{0x1d, 'V', 66, lineDots})
			if cut != (p.Cut == CutPartial) {
				t.Errorf("cut %s but ends with % x", p.Cut, b[len(b)-4:])
			}
			// The number is printed triple size and bold.
			if !bytes.Contains(b, []byte{0x1b, 'E', 1, 0x1d, '!', 0x22, 'D', '0', '1', '7', '\n'}) {
				t.Errorf("number not printed bold at triple size")
			}
		})
	}
}
