package escpos

import (
	"strings"
	"testing"

	"github.com/okienko/okienko"
)

func TestTransliteratePC852(t *testing.T) {
	tests := []struct{ in, want string }{
		// Polish stays as it is.
		{polishLetters, polishLetters},
		{"Zażółć gęślą jaźń", "Zażółć gęślą jaźń"},
		// Decomposed input is composed first.
		{"z\u0307o\u0301\u0142w", "żółw"},
		// Typography.
		{"„cytat” i “quote”", `"cytat" i "quote"`},
		{"‚jeden’ ‘dwa’", "'jeden' 'dwa'"},
		{"A – B — C ‒ D − E", "A - B - C - D - E"},
		{"czekaj…", "czekaj..."},
		{"10 €", "10 EUR"},
		{"a\u00a0b", "a\u00a0b"},              // the no-break space is in the table
		{"a\u2009b\u202fc\u3000d", "a b c d"}, // other spaces are spaces
		{"a\u200bb\u00adc\ufeffd", "abcd"},    // invisible characters vanish
		{"1½", "11/2"},
		{"ﬁńska", "fińska"},
		{"№ 5", "No 5"},
		{"• punkt", "* punkt"},
		{"Przed Tobą · 3", "Przed Tobą - 3"},
		{"«ok»", "«ok»"}, // PC852 has guillemets
		// Other Latin letters: the table's own or the base letter.
		{"Čeština, Košice, Győr, Brașov", "Čeština, Košice, Győr, Brasov"},
		{"España, Ærø, Straße, Øresund, Œuvre", "Espana, AEro, Straße, Oresund, OEuvre"},
		{"Ñandú façade naïve", "Nandú façade naive"},
		// Ukrainian (national system).
		{"Київ", "Kyiv"},
		{"Харків", "Kharkiv"},
		{"Запоріжжя", "Zaporizhzhia"},
		{"Житомир", "Zhytomyr"},
		{"Згорани", "Zghorany"},
		{"Розгон", "Rozghon"},
		{"Юрій", "Yurii"},
		{"Олексій", "Oleksii"},
		{"Їжакевич", "Yizhakevych"},
		{"Яготин", "Yahotyn"},
		{"Знам'янка", "Znamianka"},
		{"Знам’янка", "Znamianka"},
		{"Львів", "Lviv"},
		{"Щербухи", "Shcherbukhy"},
		{"Ґалаґан", "Galagan"},
		{"Єнакієве", "Yenakiieve"},
		{"Гаївка", "Haivka"},
		{"КИЇВ ЩУКА", "KYIV SHCHUKA"},
		{"Жанна", "Zhanna"},
		{"Ваш номер", "Vash nomer"},
		{"Перед вами: 3 особи", "Pered vamy: 3 osoby"},
		// Russian letters Ukrainian lacks.
		{"Ёлка, съезд, рыба, эхо", "Yolka, sezd, ryba, ekho"},
		// No spelling: dropped, never '?'.
		{"東京 ok 😀", " ok "},
		{"tab\there\r\n", "tab here\n"},
	}
	for _, tt := range tests {
		got, err := Transliterate(tt.in, CodeTablePC852)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("Transliterate(%q) = %q; want %q", tt.in, got, tt.want)
		}
		if strings.ContainsAny(got, "?\x1a") {
			t.Errorf("Transliterate(%q) = %q has a replacement character", tt.in, got)
		}
	}
}

func TestTransliterateWPC1250KeepsWhatItHas(t *testing.T) {
	tests := []struct{ in, want string }{
		{polishLetters, polishLetters},
		{"„cytat” – 10 € …", "„cytat” – 10 € …"},
		{"Przed Tobą · 3", "Przed Tobą · 3"},
		{"Київ", "Kyiv"},
		{"España", "Espana"},
	}
	for _, tt := range tests {
		got, err := Transliterate(tt.in, CodeTableWPC1250)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("Transliterate(%q, 1250) = %q; want %q", tt.in, got, tt.want)
		}
	}
	if _, err := Transliterate("x", 437); okienko.ErrorCode(err) != okienko.EINVALID {
		t.Errorf("unsupported table: %v", err)
	}
	if _, err := EncodeText("x", 437); okienko.ErrorCode(err) != okienko.EINVALID {
		t.Errorf("unsupported table: %v", err)
	}
}

// Every replacement is plain printable ASCII, so it prints on any table.
func TestSpecialsArePrintableASCII(t *testing.T) {
	for r, s := range specials {
		for _, c := range s {
			if !asciiOnly(c) || c == '?' {
				t.Errorf("%q → %q: %q is not printable ASCII", r, s, c)
			}
		}
	}
	for r, s := range cyrillic {
		for _, c := range s.plain + s.initial {
			if c < 'a' || c > 'z' {
				t.Errorf("%q → %+v: %q is not a small Latin letter", r, s, c)
			}
		}
	}
}

func TestPolishLettersRoundTrip(t *testing.T) {
	for _, table := range []int{CodeTablePC852, CodeTableWPC1250} {
		b, err := EncodeText(polishLetters, table)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != 18 {
			t.Errorf("table %d: %d bytes for 18 letters: % x", table, len(b), b)
		}
		for _, c := range b {
			if c < 0x80 {
				t.Errorf("table %d: letter encoded as ASCII %q", table, c)
			}
		}
		if got := Decode(b, table); got != polishLetters {
			t.Errorf("table %d: round trip %q; want %q", table, got, polishLetters)
		}
	}
	// The same bytes read through the other table are not Polish: the two
	// tables really differ, so the test above tests something.
	b, _ := EncodeText(polishLetters, CodeTablePC852)
	if Decode(b, CodeTableWPC1250) == polishLetters {
		t.Errorf("PC852 and WPC1250 bytes agree")
	}
}
