package escpos

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/okienko/okienko"
)

func TestPolishPlural(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{0, "osób"}, {1, "osoba"}, {2, "osoby"}, {3, "osoby"}, {4, "osoby"}, {5, "osób"},
		{11, "osób"}, {12, "osób"}, {13, "osób"}, {14, "osób"}, {21, "osób"}, {22, "osoby"},
		{24, "osoby"}, {25, "osób"}, {101, "osób"}, {102, "osoby"}, {104, "osoby"},
		{111, "osób"}, {112, "osób"}, {114, "osób"}, {122, "osoby"}, {1001, "osób"}, {-2, "osoby"},
	}
	for _, tt := range tests {
		if got := PolishPlural(tt.n, "osoba", "osoby", "osób"); got != tt.want {
			t.Errorf("PolishPlural(%d) = %q; want %q", tt.n, got, tt.want)
		}
	}
}

func TestUkrainianPlural(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{0, "осіб"}, {1, "особа"}, {2, "особи"}, {4, "особи"}, {5, "осіб"}, {11, "осіб"},
		{12, "осіб"}, {14, "осіб"}, {21, "особа"}, {22, "особи"}, {25, "осіб"}, {101, "особа"},
		{102, "особи"}, {111, "осіб"}, {112, "осіб"},
	}
	for _, tt := range tests {
		if got := UkrainianPlural(tt.n, "особа", "особи", "осіб"); got != tt.want {
			t.Errorf("UkrainianPlural(%d) = %q; want %q", tt.n, got, tt.want)
		}
	}
}

func TestRenderPeopleAhead(t *testing.T) {
	tests := []struct {
		lang        string
		ahead, wait int
		want        string
	}{
		{"pl", 1, 4, "Przed Tobą: 1 osoba - ok. 4 min"},
		{"pl", 4, 16, "Przed Tobą: 4 osoby - ok. 16 min"},
		{"pl", 12, 48, "Przed Tobą: 12 osób - ok. 48 min"},
		{"pl", 22, 90, "Przed Tobą: 22 osoby - ok. 90 min"},
		{"pl", 0, 0, "Przed Tobą: 0 osób"},
		{"", 5, 0, "Przed Tobą: 5 osób"},
		{"en", 1, 5, "Ahead of you: 1 person - approx. 5 min"},
		{"en", 21, 5, "Ahead of you: 21 people - approx. 5 min"},
		{"uk", 21, 5, "Pered vamy: 21 osoba - bl. 5 khv"},
		{"uk", 3, 5, "Pered vamy: 3 osoby - bl. 5 khv"},
		{"uk", 11, 5, "Pered vamy: 11 osib - bl. 5 khv"},
	}
	for _, tt := range tests {
		tk := fixedTicket(t)
		tk.Lang, tk.PeopleAhead, tk.WaitMinutes = tt.lang, tt.ahead, tt.wait
		b, err := Render(Profile80, tk)
		if err != nil {
			t.Fatal(err)
		}
		if text := Decode(b, Profile80.CodeTable); !containsLine(strings.Split(text, "\n"), tt.want) {
			t.Errorf("%s %d: no line %q in\n%s", tt.lang, tt.ahead, tt.want, text)
		}
	}
}

func TestRenderLabels(t *testing.T) {
	for lang, want := range map[string][]string{
		"pl": {"Twój numer", "Zeskanuj kod, aby śledzić", "kolejkę"}, // wrapped on 32 columns
		"en": {"Your number", "Scan the code to follow the", "Ahead of you: 3 people -", "approx. 12 min"},
		"uk": {"Vash nomer", "Skanuite kod, shchob stezhyty za"}, // wrapped on 32 columns
	} {
		tk := fixedTicket(t)
		tk.Lang = lang
		b, err := Render(Profile58, tk)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(Decode(b, Profile58.CodeTable), "\n")
		for _, w := range want {
			if !containsLine(lines, w) {
				t.Errorf("%s: no line %q in %q", lang, w, lines)
			}
		}
	}
}

func TestRenderNumberSize(t *testing.T) {
	tests := []struct {
		p      Profile
		number string
		size   byte // GS ! n
	}{
		{Profile80, "D017", 0x22},
		{Profile58, "D017", 0x22},
		{Profile58, "ABCDEFGHIJ", 0x22},  // 30 columns at triple width
		{Profile58, "ABCDEFGHIJK", 0x11}, // 33 would not fit 32
		{Profile58, strings.Repeat("9", 17), 0x00},
		{Profile80, strings.Repeat("9", 24), 0x11},
	}
	for _, tt := range tests {
		tk := fixedTicket(t)
		tk.Number = tt.number
		b, err := Render(tt.p, tk)
		if err != nil {
			t.Fatal(err)
		}
		want := append([]byte{0x1d, '!', tt.size}, tt.number+"\n"...)
		if !bytes.Contains(b, want) {
			t.Errorf("%s %q: not printed with GS ! %#x", tt.p.Name, tt.number, tt.size)
		}
	}
}

func TestRenderOptionalParts(t *testing.T) {
	tk := Ticket{Number: "A001", Issued: time.Date(2026, 3, 1, 8, 5, 0, 0, time.UTC)} // no Loc: printed as given
	b, err := Render(Profile80, tk)
	if err != nil {
		t.Fatal(err)
	}
	text := Decode(b, Profile80.CodeTable)
	if !strings.Contains(text, "01.03.2026 08:05") || !strings.Contains(text, "A001") {
		t.Errorf("minimal ticket:\n%s", text)
	}
	if bytes.Contains(b, []byte{0x1d, '(', 'k'}) || strings.Contains(text, "Zeskanuj") {
		t.Errorf("a ticket without a status URL has a QR code")
	}
}

func TestRenderInvalid(t *testing.T) {
	tests := []struct {
		change func(*Ticket)
		field  string
	}{
		{func(tk *Ticket) { tk.Number = "" }, "number"},
		{func(tk *Ticket) { tk.Number = "\x1b\x00" }, "number"}, // nothing printable
		{func(tk *Ticket) { tk.Number = " \n " }, "number"},
		{func(tk *Ticket) { tk.Number = strings.Repeat("9", 49) }, "number"},
		{func(tk *Ticket) { tk.Issued = time.Time{} }, "issued"},
		{func(tk *Ticket) { tk.Lang = "de" }, "lang"},
		{func(tk *Ticket) { tk.StatusURL = strings.Repeat("x", 8000) }, "qr"},
	}
	for _, tt := range tests {
		tk := fixedTicket(t)
		tt.change(&tk)
		_, err := Render(Profile80, tk)
		if e := okienko.AsError(err); e.Code != okienko.EINVALID || e.Fields[tt.field] == "" {
			t.Errorf("%s: %v; want EINVALID on %s", tt.field, err, tt.field)
		}
	}
}

// A reprint starts with the duplicate mark and gives the issue time and the
// reprint's time, in the office's zone, each line within the paper; a
// first print has neither.
func TestRenderReprint(t *testing.T) {
	for _, tt := range []struct {
		lang string
		want []string
	}{
		{"pl", []string{"DUPLIKAT", "Wydano: 23.11.2026 10:15", "Duplikat: 23.11.2026 10:40", "Przed Tobą: 1 osoba - ok. 4 min"}},
		{"en", []string{"DUPLICATE", "Issued: 23.11.2026 10:15", "Reprinted: 23.11.2026 10:40"}},
		{"uk", []string{"DUBLIKAT", "Vydano: 23.11.2026 10:15", "Dublikat: 23.11.2026 10:40"}},
	} {
		for _, p := range []Profile{Profile80, Profile58} {
			tk := fixedTicket(t)
			tk.Lang, tk.PeopleAhead, tk.WaitMinutes = tt.lang, 1, 4
			tk.Reprinted = tk.Issued.Add(25 * time.Minute)
			b, err := Render(p, tk)
			if err != nil {
				t.Fatal(err)
			}
			text := Decode(b, p.CodeTable)
			lines := strings.Split(text, "\n")
			for _, w := range tt.want {
				if !containsLine(lines, w) {
					t.Errorf("%s %s: no line %q in\n%s", tt.lang, p.Name, w, text)
				}
			}
			if strings.Contains(text, "\n23.11.2026 10:15\n") {
				t.Errorf("%s %s: the reprint has the unlabelled first-print date", tt.lang, p.Name)
			}
			if first := strings.TrimSpace(lines[0]); first != tt.want[0] {
				t.Errorf("%s %s: first line %q, want the mark %q", tt.lang, p.Name, first, tt.want[0])
			}
		}
	}
	plain, err := Render(Profile80, fixedTicket(t))
	if err != nil {
		t.Fatal(err)
	}
	if text := Decode(plain, Profile80.CodeTable); strings.Contains(text, "DUPLIKAT") || strings.Contains(text, "Wydano") {
		t.Errorf("a first print is marked as a reprint:\n%s", text)
	}
}

// A visit of several matters prints each further matter under the first,
// as "+ name", wrapped like the matter's name.
func TestRenderVisitMatters(t *testing.T) {
	tk := fixedTicket(t)
	tk.Service = "Wymeldowanie"
	tk.Then = []string{"Potwierdzenie Profilu Zaufanego", "Zaświadczenie o zameldowaniu"}
	b, err := Render(Profile80, tk)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(Decode(b, Profile80.CodeTable), "\n")
	for _, w := range []string{"Wymeldowanie", "+ Potwierdzenie Profilu Zaufanego", "+ Zaświadczenie o zameldowaniu"} {
		if !containsLine(lines, w) {
			t.Errorf("no line %q in %q", w, lines)
		}
	}
}
