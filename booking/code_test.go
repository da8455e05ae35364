package booking

import (
	"strings"
	"testing"
)

func TestNewCode(t *testing.T) {
	const n = 10000
	seen := make(map[string]bool, n)
	counts := make(map[rune]int)
	positions := make([]map[byte]bool, CodeLength)
	for i := range positions {
		positions[i] = make(map[byte]bool)
	}
	for range n {
		c, err := NewCode()
		if err != nil {
			t.Fatal(err)
		}
		if len(c) != CodeLength {
			t.Fatalf("NewCode() = %q, want %d characters", c, CodeLength)
		}
		for i, r := range c {
			if !strings.ContainsRune(CodeAlphabet, r) {
				t.Fatalf("NewCode() = %q has %q, outside the alphabet", c, r)
			}
			counts[r]++
			positions[i][c[i]] = true
		}
		if seen[c] {
			t.Fatalf("NewCode() repeated %q within %d codes", c, n)
		}
		seen[c] = true
		if p, err := ParseCode(c); err != nil || p != c {
			t.Fatalf("ParseCode(%q) = %q, %v", c, p, err)
		}
	}
	// Sanity of the distribution: 80,000 symbols over 32 give 2,500 each on
	// average (σ ≈ 49); every symbol appears in every position, and none is
	// wildly off, which would betray a bias such as a modulo.
	for _, r := range CodeAlphabet {
		if got := counts[r]; got < 2000 || got > 3000 {
			t.Errorf("symbol %q appeared %d times in %d symbols, want about 2500", r, got, n*CodeLength)
		}
	}
	for i, p := range positions {
		if len(p) != len(CodeAlphabet) {
			t.Errorf("position %d used %d distinct symbols, want %d", i, len(p), len(CodeAlphabet))
		}
	}
}

func TestCodeAlphabet(t *testing.T) {
	if len(CodeAlphabet) != 32 {
		t.Fatalf("alphabet has %d symbols, want 32", len(CodeAlphabet))
	}
	if strings.ContainsAny(CodeAlphabet, "01IO") {
		t.Error("alphabet contains a look-alike")
	}
	for i := range len(CodeAlphabet) {
		if strings.Count(CodeAlphabet, CodeAlphabet[i:i+1]) != 1 {
			t.Errorf("symbol %q repeated", CodeAlphabet[i])
		}
	}
}

func TestParseCode(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"ABCD-EFGH", "ABCDEFGH"},
		{"ABCDEFGH", "ABCDEFGH"},
		{"abcd-efgh", "ABCDEFGH"},
		{"abcdefgh", "ABCDEFGH"},
		{"AbCd-eFgH", "ABCDEFGH"},
		{"  k7m2-pq9z \n", "K7M2PQ9Z"},
		{"\tZZZZ9999", "ZZZZ9999"},
		{"2345-6789", "23456789"},
		{"HJKL-MNPQ", "HJKLMNPQ"},
	}
	for _, tt := range tests {
		got, err := ParseCode(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseCode(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestParseCodeRejects(t *testing.T) {
	const (
		length    = "must be 8 characters, like ABCD-EFGH"
		lookAlike = "must not contain 0, 1, I or O, which codes never use"
		other     = "may contain only letters and digits 2–9, with one dash in the middle"
	)
	tests := []struct {
		in, want string
	}{
		{"", length},
		{"   ", length},
		{"ABCDEFG", length},
		{"ABCDEFGHI", length},
		{"ABC-DEFGH", length},
		{"ABCDE-FGH", length},
		{"ABCD--EFGH", length},
		{"ABCD EFGH", length},
		{"ABCD-EFGH-", length},
		{"ABCD-EFG0", lookAlike},
		{"ABCD-EFG1", lookAlike},
		{"ABCDEFGI", lookAlike},
		{"abcdefgo", lookAlike},
		{"abcdefgi", lookAlike},
		{"ABCD_EFG", other},
		{"ABCD EFG", other},
		{"ABCDEF-G", other},
		{"ABCD;EFG", other},
		{"ĄBCDEFG", other}, // 8 bytes, 7 runes
		{"ſBCDEFGH", length},
		{"ſBCDEFG", other}, // long s upper-cases to S in Unicode; not here
		{"ıBCDEFG", other}, // dotless i upper-cases to I in Unicode; not here
		{"ABCD\x00EFG", other},
	}
	for _, tt := range tests {
		got, err := ParseCode(tt.in)
		if err == nil {
			t.Errorf("ParseCode(%q) = %q, want error %q", tt.in, got, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("ParseCode(%q) error = %q, want %q", tt.in, err, tt.want)
		}
	}
}

func TestFormatCode(t *testing.T) {
	c, err := NewCode()
	if err != nil {
		t.Fatal(err)
	}
	f := FormatCode(c)
	if len(f) != 9 || f[4] != '-' || f[:4]+f[5:] != c {
		t.Fatalf("FormatCode(%q) = %q", c, f)
	}
	for _, in := range []string{f, strings.ToLower(f), c, strings.ToLower(c), " " + f + " "} {
		if got, err := ParseCode(in); err != nil || got != c {
			t.Errorf("ParseCode(%q) = %q, %v; want %q", in, got, err, c)
		}
	}
	if got := FormatCode("ABCDEFGH"); got != "ABCD-EFGH" {
		t.Errorf("FormatCode(ABCDEFGH) = %q", got)
	}
	if got := FormatCode("ABC"); got != "ABC" {
		t.Errorf("FormatCode of a short string = %q, want it unchanged", got)
	}
}

func FuzzParseCode(f *testing.F) {
	for _, s := range []string{
		"ABCD-EFGH", "abcdefgh", " k7m2-pq9z ", "ABCD-EFG0", "ABCDEFGHI", "", "ſBCDEFG",
		"ABCD--EFG", "IIII-OOOO", "2345-6789", "ABCD\x00EFG",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCode(s)
		if err != nil {
			if c != "" {
				t.Fatalf("ParseCode(%q) = %q with error %v", s, c, err)
			}
			return
		}
		if len(c) != CodeLength {
			t.Fatalf("ParseCode(%q) = %q, want %d characters", s, c, CodeLength)
		}
		for i := range len(c) {
			if strings.IndexByte(CodeAlphabet, c[i]) < 0 {
				t.Fatalf("ParseCode(%q) = %q, %q outside the alphabet", s, c, c[i])
			}
		}
		if again, err := ParseCode(FormatCode(c)); err != nil || again != c {
			t.Fatalf("ParseCode(FormatCode(%q)) = %q, %v", c, again, err)
		}
		if again, err := ParseCode(c); err != nil || again != c {
			t.Fatalf("ParseCode(%q) = %q, %v", c, again, err)
		}
	})
}
