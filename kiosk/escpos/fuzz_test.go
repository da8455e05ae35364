package escpos

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func FuzzEncodeText(f *testing.F) {
	for _, s := range []string{
		"", "Zażółć gęślą jaźń", polishLetters, "„Київ” — 10 € …", "a\nb\r\nc", "?", "¿Qué?",
		"\x1b@\x1d\x56\x42\x00", "東京😀", "ｆｕｌｌ？", "\u2047", "a\u2028b", "\xff\xfe", "z\u0307",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, table := range []int{CodeTablePC852, CodeTableWPC1250} {
			b, err := EncodeText(s, table)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.IndexByte(b, 0x1a) >= 0 {
				t.Fatalf("table %d: %q encoded with 0x1A: % x", table, s, b)
			}
			if bytes.IndexByte(b, '?') >= 0 && !strings.Contains(s, "?") {
				t.Fatalf("table %d: %q encoded with '?': % x", table, s, b)
			}
			for _, c := range b {
				if (c < 0x20 && c != '\n') || c == 0x7f {
					t.Fatalf("table %d: %q encoded with control byte %#x", table, s, c)
				}
			}
			d := Decode(b, table)
			if got, want := strings.Count(d, "\n"), strings.Count(s, "\n"); got != want {
				t.Fatalf("table %d: %q decodes to %d lines; want %d", table, s, got+1, want+1)
			}
			if strings.ContainsRune(d, '\uFFFD') {
				t.Fatalf("table %d: %q decodes to %q", table, s, d)
			}
			// Encoding what was decoded gives the same bytes.
			if again, _ := EncodeText(d, table); !bytes.Equal(again, b) {
				t.Fatalf("table %d: %q: not stable: % x then % x", table, s, b, again)
			}
		}
	})
}

// Any bytes decode and preview on the presets without a panic; the preview
// is as wide as the paper. The input's length picks the preset.
func FuzzPreviewProfile(f *testing.F) {
	for _, pr := range Presets {
		if b, err := Render(pr.Profile, Ticket{Number: "A001", Issued: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC), StatusURL: "https://x.test/t/1"}); err == nil {
			f.Add(b[:min(len(b), 600)])
		}
	}
	f.Add([]byte{0x1b, 't', 72, 0x80, 0x85, '\n', 0x1d, 'V', 65, 3})
	f.Add([]byte{0x1d, 'v', '0', 0, 0xff, 0xff, 1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		p := Presets[len(b)%len(Presets)].Profile
		_ = DecodeProfile(b, p)
		img, err := Preview(b, p)
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds().Dx() != p.Dots {
			t.Fatalf("preview %d wide; want %d", img.Bounds().Dx(), p.Dots)
		}
	})
}
