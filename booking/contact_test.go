package booking

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalizeName(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Jan Kowalski", "Jan Kowalski"},
		{"  Jan   Kowalski  ", "Jan Kowalski"},
		{"Jan\u00a0\u00a0Kowalski", "Jan Kowalski"}, // no-break spaces
		{"Jan\u2003Kowalski", "Jan Kowalski"},       // em space
		{"Łukasz", "Łukasz"},
		{"Zażółć Gęślą-Jaźń", "Zażółć Gęślą-Jaźń"},
		{"Mary-Jane O’Neil", "Mary-Jane O’Neil"},
		{"Mary-Jane O'Neil", "Mary-Jane O'Neil"},
		{"J. R. R. Tolkien", "J. R. R. Tolkien"},
		{"Li", "Li"},
		{"Gra\u0308bner", "Gräbner"},                                   // decomposed ä composed (NFC)
		{"Z\u0307ak", "Żak"},                                           // decomposed Ż
		{"Ольга Петрова", "Ольга Петрова"},                             // Cyrillic
		{"Αλέξανδρος", "Αλέξανδρος"},                                   // Greek
		{"李小龍", "李小龍"},                                                 // Han
		{"ʻOkina", "ʻOkina"},                                           // modifier letter
		{"Nguyễn Văn A", "Nguyễn Văn A"},                               // stacked diacritics
		{"g\u0307\u0323x", "\u0121\u0323x"},                            // NFC reorders the marks, composes ġ and keeps the dot below
		{"Jx\u0301\u0302\u0303\u0304n", "Jx\u0301\u0302\u0303\u0304n"}, // 4 marks on one letter: the most allowed
		{strings.Repeat("a", 120), strings.Repeat("a", 120)},
		{strings.Repeat("ą", 120), strings.Repeat("ą", 120)},
	}
	for _, tt := range tests {
		got, err := NormalizeName(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NormalizeName(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestNormalizeNameRejects(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "is required"},
		{"spaces only", "   ", "is required"},
		{"one letter", "A", "must be at least 2 characters"},
		{"one letter after trim", "  A ", "must be at least 2 characters"},
		{"one decomposed letter", "A\u0308", "must be at least 2 characters"},
		{"121 letters", strings.Repeat("a", 121), "must be at most 120 characters"},
		{"10,000 characters", strings.Repeat("Kowalski ", 1112)[:10000], "must be at most 120 characters"},
		{"SQL", `"; DROP TABLE bookings; --`, `must not contain '"': only letters, spaces, hyphens, apostrophes and periods are allowed`},
		{"semicolon", "Jan; Kowalski", `must not contain ';': only letters, spaces, hyphens, apostrophes and periods are allowed`},
		{"angle bracket", "<script>", `must not contain '<': only letters, spaces, hyphens, apostrophes and periods are allowed`},
		{"digit", "Jan Kowalski 2", "must not contain digits"},
		{"Arabic digit", "Jan ٣", "must not contain digits"},
		{"Roman numeral", "Jan Ⅲ", "must not contain digits"},
		{"tab", "Jan\tKowalski", "must not contain control characters such as tabs or line breaks"},
		{"newline", "Jan\nKowalski", "must not contain control characters such as tabs or line breaks"},
		{"NUL", "Jan\x00", "must not contain control characters such as tabs or line breaks"},
		{"zero-width space", "Jan\u200bKowalski", `must not contain '\u200b': only letters, spaces, hyphens, apostrophes and periods are allowed`},
		{"right-to-left override", "Jan\u202eKowalski", `must not contain '\u202e': only letters, spaces, hyphens, apostrophes and periods are allowed`},
		{"en dash", "Anna Nowak–Kowalska", `must not contain '–': only letters, spaces, hyphens, apostrophes and periods are allowed`},
		{"emoji", "Jan 😀", `must not contain '😀': only letters, spaces, hyphens, apostrophes and periods are allowed`},
		{"no letters", "-- ..", "must contain letters"},
		{"stray accent", "Jan \u0301Kowalski", "must not contain an accent mark that is not on a letter"},
		{"leading accent", "\u0301Jan", "must not contain an accent mark that is not on a letter"},
		{"Zalgo", "Jx\u0301\u0302\u0303\u0304\u0305n", "must not have more than 4 accent marks on one letter"},
		{"invalid UTF-8", "Jan\xffKowalski", "is not valid text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizeName(tt.in)
			if err == nil {
				t.Fatalf("NormalizeName(%q) = %q, want error %q", tt.in, got, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("NormalizeName(%q) error = %q, want %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"jan@example.com", "jan@example.com"},
		{"  jan@example.com\n", "jan@example.com"},
		{"Jan.Kowalski@Example.COM", "Jan.Kowalski@example.com"},
		{"jan+okienko@poczta.onet.pl", "jan+okienko@poczta.onet.pl"},
		{"j@x.pl", "j@x.pl"},
		{"a-b_c@sub-domain.example.pl", "a-b_c@sub-domain.example.pl"},
		{"jan@urząd.pl", "jan@urząd.pl"},
		{"jan@URZĄD.PL", "jan@urząd.pl"},
		{"jan@xn--urzd-7ra.pl", "jan@xn--urzd-7ra.pl"},
		{"jan@123.example.pl", "jan@123.example.pl"},
		{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + ".pl", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + ".pl"},
	}
	for _, tt := range tests {
		got, err := NormalizeEmail(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestNormalizeEmailRejects(t *testing.T) {
	long := strings.Repeat("a", 64) + "@" + strings.Repeat(strings.Repeat("b", 60)+".", 4) + "pl" // 311 bytes
	tests := []struct {
		in, want string
	}{
		{"", "is required"},
		{"   ", "is required"},
		{long, "must be at most 254 characters"},
		{"Jan Kowalski <jan@example.com>", "must not contain spaces"},
		{"<jan@example.com>", "must be just the address, like name@example.com, without a name or < >"},
		{"Jan<jan@example.com>", "must be just the address, like name@example.com, without a name or < >"},
		{"jan@example.com (Jan)", "must not contain spaces"},
		{"jan@example.com(Jan)", "must have a valid domain after the @, like example.com"},
		{"jan @example.com", "must not contain spaces"},
		{"jan@exa mple.com", "must not contain spaces"},
		{"jan", "must contain exactly one @, like name@example.com"},
		{"jan@@example.com", "must contain exactly one @, like name@example.com"},
		{"jan@kowalski@example.com", "must contain exactly one @, like name@example.com"},
		{"@example.com", "must have a name before the @"},
		{strings.Repeat("a", 65) + "@example.com", "the part before the @ must be at most 64 characters"},
		{"jan@", "must have a domain after the @, like example.com"},
		{"jan@localhost", "must have a dot in the domain after the @, like example.com"},
		{"jan@example..com", "must have a valid domain after the @, like example.com"},
		{"jan@.example.com", "must have a valid domain after the @, like example.com"},
		{"jan@example.com.", "must have a valid domain after the @, like example.com"},
		{"jan@-example.com", "must have a valid domain after the @, like example.com"},
		{"jan@example-.com", "must have a valid domain after the @, like example.com"},
		{"jan@exam_ple.com", "must have a valid domain after the @, like example.com"},
		{"jan@[127.0.0.1]", "must have a valid domain after the @, like example.com"},
		{"jan@127.0.0.1", "must have a valid domain after the @, like example.com"},
		{"jan@example.com;drop", "must have a valid domain after the @, like example.com"},
		{"jan@" + strings.Repeat("b", 64) + ".pl", "must have a valid domain after the @, like example.com"},
		{"jan@exam😀ple.com", "must have a valid domain after the @, like example.com"},
		{"jan..kowalski@example.com", "is not a valid e-mail address, like name@example.com"},
		{".jan@example.com", "is not a valid e-mail address, like name@example.com"},
		{`"jan"@example.com`, "is not a valid e-mail address, like name@example.com"},
		{"jan,ala@example.com", "is not a valid e-mail address, like name@example.com"},
		{"jan\xff@example.com", "is not valid text"},
	}
	for _, tt := range tests {
		got, err := NormalizeEmail(tt.in)
		if err == nil {
			t.Errorf("NormalizeEmail(%q) = %q, want error %q", tt.in, got, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("NormalizeEmail(%q) error = %q, want %q", tt.in, err, tt.want)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"+48 600 123 456", "+48600123456"},
		{"0048600123456", "+48600123456"},
		{"48600123456", "+48600123456"},
		{"600-123-456", "+48600123456"},
		{"600 123 456", "+48600123456"},
		{"600.123.456", "+48600123456"},
		{"(+48) 600123456", "+48600123456"},
		{"+48 (600) 123-456", "+48600123456"},
		{" +48600123456 ", "+48600123456"},
		{"+48600123456", "+48600123456"},
		{"00 48 600 123 456", "+48600123456"},
		{"450000000", "+48450000000"},
		{"500000000", "+48500000000"},
		{"510000000", "+48510000000"},
		{"530000000", "+48530000000"},
		{"570000000", "+48570000000"},
		{"660000000", "+48660000000"},
		{"690000000", "+48690000000"},
		{"720000000", "+48720000000"},
		{"730000000", "+48730000000"},
		{"780000000", "+48780000000"},
		{"790000000", "+48790000000"},
		{"880000000", "+48880000000"},
		// 48 followed by a mobile number is the country code, not part of it.
		{"48 501 234 567", "+48501234567"},
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestNormalizePhoneRejects(t *testing.T) {
	const notMobile = "must be a Polish mobile number"
	const chars = "may contain only digits, spaces, dashes, dots, parentheses and a leading +"
	tests := []struct {
		in, want string
	}{
		{"", "is required"},
		{"22 123 45 67", notMobile},      // Warsaw landline
		{"+48 22 123 45 67", notMobile},  // landline with country code
		{"0048 12 345 67 89", notMobile}, // Kraków landline
		{"800 123 456", notMobile},       // toll-free
		{"700 123 456", notMobile},       // premium rate
		{"+49 151 12345678", notMobile},  // German mobile
		{"+44 7700 900123", notMobile},   // UK mobile
		{"0049 151 1234567", notMobile},
		{"+1 600 123 456", notMobile},
		{"60012345", notMobile},         // 8 digits
		{"6001234567", notMobile},       // 10 digits
		{"+48 600 123 4567", notMobile}, // 10 national digits
		{"+48 600 123 45", notMobile},
		{"+48", notMobile},
		{"48", notMobile},
		{"0 600 123 456", notMobile},
		{"+48 0 600 123 456", notMobile},
		{"600 123 456 ext 12", chars},
		{"600/123/456", chars},
		{"600+123456", chars},
		{"++48600123456", chars},
		{"600 123 45٦", chars}, // Arabic-Indic digit
		{"tel:600123456", chars},
		{"600\t123\t456", chars},
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.in)
		if err == nil {
			t.Errorf("NormalizePhone(%q) = %q, want error %q", tt.in, got, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("NormalizePhone(%q) error = %q, want %q", tt.in, err, tt.want)
		}
	}
}

var normalPhone = regexp.MustCompile(`^\+48\d{9}$`)

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{
		"+48 600 123 456", "0048600123456", "48600123456", "600-123-456", "(+48) 600123456",
		"22 123 45 67", "+49 151 12345678", "", "++48", "600.123.456", "48 48 501 234 567",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := NormalizePhone(s)
		if err != nil {
			return
		}
		if !normalPhone.MatchString(p) {
			t.Fatalf("NormalizePhone(%q) = %q, not +48 and 9 digits", s, p)
		}
		if again, err := NormalizePhone(p); err != nil || again != p {
			t.Fatalf("NormalizePhone(%q) = %q, %v; not idempotent", p, again, err)
		}
	})
}

func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{
		"Jan Kowalski", "  Zażółć   Gęślą-Jaźń ", "Mary-Jane O’Neil", "Łukasz", "Gra\u0308bner",
		`"; DROP TABLE`, "A", "Jan\u00a0\u2003Kowalski", "g\u0307\u0323x", "a \u0301b", "\u1100\u1161\u11a8",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := NormalizeName(s)
		if err != nil {
			return
		}
		if c := utf8.RuneCountInString(n); c < NameMinRunes || c > NameMaxRunes {
			t.Fatalf("NormalizeName(%q) = %q has %d runes", s, n, c)
		}
		if again, err := NormalizeName(n); err != nil || again != n {
			t.Fatalf("NormalizeName(%q) = %q, %v; not idempotent", n, again, err)
		}
		if strings.ContainsAny(n, "\";<>\\0123456789\t\n") || strings.Contains(n, "  ") || strings.TrimSpace(n) != n {
			t.Fatalf("NormalizeName(%q) = %q", s, n)
		}
	})
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{
		"jan@example.com", "Jan@Example.COM", "jan@urząd.pl", "<a@b.pl>", "a@b", "", "a@b@c.pl",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := NormalizeEmail(s)
		if err != nil {
			return
		}
		if len(e) > EmailMaxLen || strings.Count(e, "@") != 1 || strings.ContainsAny(e, " <>\"") {
			t.Fatalf("NormalizeEmail(%q) = %q", s, e)
		}
		if again, err := NormalizeEmail(e); err != nil || again != e {
			t.Fatalf("NormalizeEmail(%q) = %q, %v; not idempotent", e, again, err)
		}
	})
}
