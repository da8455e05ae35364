package escpos

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestWrapLongPolishNames(t *testing.T) {
	names := []string{
		"Wydział Spraw Obywatelskich i Rejestracji Pojazdów — Dowody osobiste",
		"Zażółć gęślą jaźń — wymiana dowodu osobistego",
		"Urząd Stanu Cywilnego: rejestracja urodzenia, małżeństwa i zgonu; wydawanie odpisów aktów stanu cywilnego",
		"Konstantynopolitańczykowianeczka i Wszechnieodpowiedzialność", // words longer than a 58 mm line
		"Przed Tobą: 3 osoby · ok. 12 min",
	}
	for _, name := range names {
		for _, columns := range []int{48, 32, 24, 16} {
			for _, scale := range []int{1, 2, 3} {
				width := columns / scale
				lines := WrapScaled(name, columns, scale)
				if scale == 1 && !reflect.DeepEqual(lines, Wrap(name, columns)) {
					t.Errorf("WrapScaled(…, %d, 1) differs from Wrap", columns)
				}
				for _, l := range lines {
					if n := utf8.RuneCountInString(l); n > width || n == 0 {
						t.Errorf("%d columns ×%d: line %q has %d runes", columns, scale, l, n)
					}
					if strings.HasPrefix(l, " ") || strings.HasSuffix(l, " ") {
						t.Errorf("line %q has edge spaces", l)
					}
				}
				// No word lost: the lines put back together are the
				// transliterated text, split words rejoined.
				translit := transliterate(name, portable)
				joined := strings.Join(lines, " ")
				if strings.ReplaceAll(joined, " ", "") != strings.ReplaceAll(translit, " ", "") {
					t.Errorf("%d columns ×%d: %q lost text of %q", columns, scale, lines, translit)
				}
				// Words that fit are never split.
				for _, w := range strings.Fields(translit) {
					if utf8.RuneCountInString(w) <= width && !containsWord(lines, w) {
						t.Errorf("%d columns ×%d: word %q was split: %q", columns, scale, w, lines)
					}
				}
				// Greedy: the next line's first word would not have fitted.
				for i := 0; i+1 < len(lines); i++ {
					next := strings.Fields(lines[i+1])[0]
					if utf8.RuneCountInString(lines[i])+1+utf8.RuneCountInString(next) <= width {
						t.Errorf("%d columns ×%d: %q could have taken %q", columns, scale, lines[i], next)
					}
				}
			}
		}
	}
}

func containsWord(lines []string, w string) bool {
	for _, l := range lines {
		for _, f := range strings.Fields(l) {
			if f == w {
				return true
			}
		}
	}
	return false
}

func TestWrapCases(t *testing.T) {
	tests := []struct {
		text    string
		columns int
		want    []string
	}{
		{"", 10, nil},
		{"   ", 10, nil},
		{"ala ma kota", 11, []string{"ala ma kota"}},
		{"ala ma kota", 10, []string{"ala ma", "kota"}},
		{"ala  ma   kota", 6, []string{"ala ma", "kota"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"x abcdefghij", 4, []string{"x", "abcd", "efgh", "ij"}},
		{"jeden\n\ndwa trzy", 20, []string{"jeden", "", "dwa trzy"}},
		{"€ 10 — „ok”", 20, []string{`EUR 10 - "ok"`}}, // measured after transliteration
		{"Київ Львів", 4, []string{"Kyiv", "Lviv"}},    // Kyiv is 4 columns, not 4 bytes
		{"Źdźbło łąki", 6, []string{"Źdźbło", "łąki"}}, // Polish letters are one column
		{"a\u00a0b c", 3, []string{"a\u00a0b", "c"}},   // no break at a no-break space
		{"ab", 0, []string{"a", "b"}},                  // a line holds at least one rune
	}
	for _, tt := range tests {
		if got := Wrap(tt.text, tt.columns); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Wrap(%q, %d) = %q; want %q", tt.text, tt.columns, got, tt.want)
		}
	}
	if got, want := WrapScaled("D017 D018", 16, 2), []string{"D017", "D018"}; !reflect.DeepEqual(got, want) {
		t.Errorf("double width: %q; want %q", got, want)
	}
}
