package booking

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/okienko/okienko/booking/bookingtest"
)

// peselFor builds a valid PESEL for a birth date and a 4-digit serial.
func peselFor(t *testing.T, year, month, day int, serial string) string {
	t.Helper()
	var offset int
	switch year / 100 {
	case 18:
		offset = 80
	case 19:
		offset = 0
	case 20:
		offset = 20
	case 21:
		offset = 40
	case 22:
		offset = 60
	default:
		t.Fatalf("year %d has no PESEL encoding", year)
	}
	return bookingtest.PESEL(fmt.Sprintf("%02d%02d%02d%s", year%100, month+offset, day, serial))
}

func TestParsePESELValid(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		birth string // YYYY-MM-DD
	}{
		{"classic example", "44051401359", "1944-05-14"},
		{"surrounding spaces", "  44051401359 \t", "1944-05-14"},
		{"1800s", peselFor(t, 1899, 12, 31, "1234"), "1899-12-31"},
		{"1800s start", peselFor(t, 1800, 1, 1, "0000"), "1800-01-01"},
		{"1900s", peselFor(t, 1985, 7, 9, "4567"), "1985-07-09"},
		{"1900 is not a leap year but 28 Feb exists", peselFor(t, 1900, 2, 28, "0101"), "1900-02-28"},
		{"2000s", peselFor(t, 2004, 11, 30, "9876"), "2004-11-30"},
		{"2000 leap day", peselFor(t, 2000, 2, 29, "0002"), "2000-02-29"},
		{"2024 leap day", peselFor(t, 2024, 2, 29, "1357"), "2024-02-29"},
		{"2100s", peselFor(t, 2105, 3, 15, "2468"), "2105-03-15"},
		{"2200s", peselFor(t, 2299, 12, 31, "1111"), "2299-12-31"},
		{"2200s start", peselFor(t, 2200, 1, 1, "5555"), "2200-01-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePESEL(tt.in)
			if err != nil {
				t.Fatalf("ParsePESEL(%q): %v", tt.in, err)
			}
			if want := strings.TrimSpace(tt.in); string(p) != want {
				t.Errorf("ParsePESEL(%q) = %s, want %s", tt.in, string(p), want)
			}
			want, err := time.Parse(time.DateOnly, tt.birth)
			if err != nil {
				t.Fatal(err)
			}
			got := p.BirthDate()
			if !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("BirthDate() = %v, want %v UTC", got, want)
			}
			if got.Hour() != 0 || got.Minute() != 0 || got.Second() != 0 || got.Nanosecond() != 0 {
				t.Errorf("BirthDate() = %v, want midnight", got)
			}
		})
	}
}

func TestParsePESELInvalid(t *testing.T) {
	valid := "44051401359"
	badCheck := valid[:10] + "0"
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", "required"},
		{"10 digits", valid[:10], "must be 11 digits"},
		{"12 digits", valid + "0", "must be 11 digits"},
		{"letters", "4405140135A", "must be 11 digits"},
		{"all letters", "ABCDEFGHIJK", "must be 11 digits"},
		{"space inside", "44051 01359", "must be 11 digits"},
		{"space inside making 12", "440514 01359", "must be 11 digits"},
		{"dash inside", "440514-0135", "must be 11 digits"},
		{"non-ASCII digits", "٤٤٠٥١٤٠١٣٥٩", "must be 11 digits"},
		{"full-width digits", "４４０５１４０１３５９", "must be 11 digits"},
		{"sign", "+4051401359", "must be 11 digits"},
		{"wrong check digit", badCheck, "the check digit does not match"},
		{"swapped digits", "44051401539", "the check digit does not match"},
		{"month 13", bookingtest.PESEL("4413140135"), "the birth date encoded in it does not exist"},
		{"month 00", bookingtest.PESEL("4400140135"), "the birth date encoded in it does not exist"},
		{"month 33 (2000s 13)", bookingtest.PESEL("0433140135"), "the birth date encoded in it does not exist"},
		{"month 93 (1800s 13)", bookingtest.PESEL("9993140135"), "the birth date encoded in it does not exist"},
		{"month 20", bookingtest.PESEL("0420140135"), "the birth date encoded in it does not exist"},
		{"30 February", bookingtest.PESEL("0422300135"), "the birth date encoded in it does not exist"},
		{"29 February 2023", bookingtest.PESEL("2322290135"), "the birth date encoded in it does not exist"},
		{"29 February 1900", bookingtest.PESEL("0002290135"), "the birth date encoded in it does not exist"},
		{"29 February 2100", bookingtest.PESEL("0042290135"), "the birth date encoded in it does not exist"},
		{"31 April", bookingtest.PESEL("8504310135"), "the birth date encoded in it does not exist"},
		{"day 00", bookingtest.PESEL("8504000135"), "the birth date encoded in it does not exist"},
		{"day 32", bookingtest.PESEL("8501320135"), "the birth date encoded in it does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePESEL(tt.in)
			if err == nil {
				t.Fatalf("ParsePESEL(%q) = %s, want error %q", tt.in, string(p), tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("ParsePESEL(%q) error = %q, want %q", tt.in, err, tt.want)
			}
			if p != "" {
				t.Errorf("ParsePESEL(%q) returned %q with the error", tt.in, string(p))
			}
		})
	}
}

// TestParsePESELEveryDay checks that every day of a leap and a common year
// in every century is accepted, and the first invalid day of every month
// rejected.
func TestParsePESELEveryDay(t *testing.T) {
	for _, year := range []int{1804, 1899, 1900, 1996, 2000, 2023, 2100, 2104, 2200, 2296} {
		d := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
		for d.Year() == year {
			s := peselFor(t, year, int(d.Month()), d.Day(), "0123")
			p, err := ParsePESEL(s)
			if err != nil {
				t.Fatalf("%s: ParsePESEL(%s): %v", d.Format(time.DateOnly), s, err)
			}
			if !p.BirthDate().Equal(d) {
				t.Fatalf("ParsePESEL(%s).BirthDate() = %v, want %v", s, p.BirthDate(), d)
			}
			next := d.AddDate(0, 0, 1)
			if next.Month() != d.Month() { // d is the last day: the day after must fail
				bad := peselFor(t, year, int(d.Month()), d.Day()+1, "0123")
				if _, err := ParsePESEL(bad); err == nil || err.Error() != "the birth date encoded in it does not exist" {
					t.Fatalf("ParsePESEL(%s) for %d-%02d-%02d: err = %v", bad, year, d.Month(), d.Day()+1, err)
				}
			}
			d = next
		}
	}
}

func TestPESELLast4AndHMAC(t *testing.T) {
	p, err := ParsePESEL("44051401359")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Last4(); got != "1359" {
		t.Errorf("Last4() = %q, want 1359", got)
	}
	secret := []byte("server secret")
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("44051401359"))
	want := hex.EncodeToString(m.Sum(nil))
	if got := p.HMAC(secret); got != want {
		t.Errorf("HMAC() = %s, want %s", got, want)
	}
	if p.HMAC([]byte("other secret")) == want {
		t.Error("HMAC does not depend on the secret")
	}
	other, err := ParsePESEL(peselFor(t, 1985, 7, 9, "4567"))
	if err != nil {
		t.Fatal(err)
	}
	if other.HMAC(secret) == want {
		t.Error("two PESELs share an HMAC")
	}
	if len(want) != 64 {
		t.Errorf("HMAC length = %d, want 64 hex digits", len(want))
	}
}

// TestPESELNeverPrintedWhole checks every way a PESEL may end up in a log
// line or a response by accident.
func TestPESELNeverPrintedWhole(t *testing.T) {
	p, err := ParsePESEL("44051401359")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.String(); got != "*******1359" {
		t.Errorf("String() = %q, want *******1359", got)
	}
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s", "%-20v", "%T %v"} {
		out = append(out, fmt.Sprintf(verb, p))
	}
	out = append(out,
		fmt.Sprint(p), fmt.Sprintln(p),
		fmt.Sprintf("%v", struct{ P PESEL }{p}),
		fmt.Sprintf("%+v", struct{ P PESEL }{p}),
		fmt.Sprintf("%#v", struct{ P PESEL }{p}),
		fmt.Sprintf("%v", []PESEL{p}),
		fmt.Sprintf("%v", &p),
		fmt.Errorf("booking for %v failed", p).Error(),
	)
	j, err := json.Marshal(struct{ P PESEL }{p})
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, string(j))
	var log strings.Builder
	slog.New(slog.NewJSONHandler(&log, nil)).Info("x", "pesel", p)
	slog.New(slog.NewTextHandler(&log, nil)).Info("x", "pesel", p)
	out = append(out, log.String())

	for _, s := range out {
		if strings.Contains(s, "4405140") || strings.Contains(s, hex.EncodeToString([]byte("44051401359"))) {
			t.Errorf("PESEL printed whole: %s", s)
		}
	}
	if !strings.Contains(fmt.Sprintf("%v", p), "1359") || !strings.Contains(string(j), "*******1359") {
		t.Errorf("masked form lost the last 4 digits: %v %s", p, j)
	}
	if string(p) != "44051401359" {
		t.Errorf("string(p) = %q, want the digits", string(p))
	}
}

func TestPESELBirthDateOfUnparsed(t *testing.T) {
	for _, p := range []PESEL{"", "123", "44131401359", "ab051401359"} {
		if got := p.BirthDate(); !got.IsZero() {
			t.Errorf("PESEL(%q).BirthDate() = %v, want zero", string(p), got)
		}
	}
	if got := PESEL("12").Last4(); got != "12" {
		t.Errorf("Last4 of a short value = %q", got)
	}
}

func FuzzParsePESEL(f *testing.F) {
	for _, s := range []string{
		"44051401359", " 44051401359 ", "44051401358", "4405140135", "440514013590",
		"02270803628", "99923112340", "00322900000", "00422900000", "00622900000",
		"4413140135", "abcdefghijk", "", "           ", "٤٤٠٥١٤٠١٣٥٩",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePESEL(s)
		if err != nil {
			if p != "" {
				t.Fatalf("ParsePESEL(%q) returned %q with error %v", s, string(p), err)
			}
			return
		}
		if len(p) != 11 {
			t.Fatalf("ParsePESEL(%q) = %q, not 11 characters", s, string(p))
		}
		for i := range 11 {
			if p[i] < '0' || p[i] > '9' {
				t.Fatalf("ParsePESEL(%q) = %q, not all digits", s, string(p))
			}
		}
		if bookingtest.PESEL(string(p[:10])) != string(p) {
			t.Fatalf("ParsePESEL(%q) = %q, check digit does not hold", s, string(p))
		}
		again, err := ParsePESEL(string(p))
		if err != nil || again != p {
			t.Fatalf("re-parsing %q gave %q, %v", string(p), string(again), err)
		}
		b := p.BirthDate()
		if b.IsZero() || b.Location() != time.UTC || b.Hour() != 0 || b.Year() < 1800 || b.Year() > 2299 {
			t.Fatalf("ParsePESEL(%q).BirthDate() = %v", s, b)
		}
		if enc := fmt.Sprintf("%02d%02d", b.Year()%100, b.Day()); enc != string(p[0:2])+string(p[4:6]) {
			t.Fatalf("BirthDate %v does not match %q", b, string(p))
		}
		if mm := int(p[2]-'0')*10 + int(p[3]-'0'); mm%20 != int(b.Month()) {
			t.Fatalf("BirthDate %v month does not match %q", b, string(p))
		}
	})
}
