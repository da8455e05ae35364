package escpos

import (
	"bytes"
	"strings"
	"testing"
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
