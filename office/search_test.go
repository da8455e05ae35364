package office

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Dowód Osobisty":    "dowod osobisty",
		"ZAŚWIADCZENIE":     "zaswiadczenie",
		"Łódź, żółć":        "lodz, zolc",
		"Zażółć gęślą jaźń": "zazolc gesla jazn",
		"Посвідчення":       "посвідчення",
		"Їжак й ґанок":      "іжак и ганок",
		"ID card":           "id card",
		"bad\xffutf8":       "badutf8",
		"e\u0301 composed":  "e composed",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWords(t *testing.T) {
	got := Words("Profil kandydata (PKK), e-dowód; 35×45 mm")
	want := []string{"profil", "kandydata", "pkk", "e", "dowod", "35", "45", "mm"}
	if !slices.Equal(got, want) {
		t.Errorf("Words = %q, want %q", got, want)
	}
}

func TestWordMatches(t *testing.T) {
	cases := []struct {
		q, w string
		want bool
	}{
		{"dowod", "dowodu", true},            // Polish case ending
		{"dowodu", "dowod", true},            // and back
		{"osobistego", "osobisty", true},     // adjective endings
		{"prawo", "prawa", true},             // shared stem of 4
		{"pojazdu", "pojazdow", true},        // genitive plural
		{"meldunek", "meldunku", true},       // mobile e
		{"rejestr", "rejestracja", true},     // a beginning typed
		{"licence", "license", true},         // British and American
		{"посвідчення", "посвідчення", true}, // Ukrainian, the same word
		{"id", "id", true},                   // short words match only themselves
		{"id", "idp", false},
		{"oc", "ochrona", false},
		{"dow", "dowod", false},                // shorter than a stem
		{"zamek", "zameldowanie", false},       // shared 4 letters, but a long different rest
		{"registration", "registering", false}, // a long different ending
		{"meldunek", "zameldowanie", false},    // no shared beginning: keywords bridge it
		{"wymeldowanie", "zameldowanie", false},
		{"card", "cards", true},
		{"car", "card", false},
	}
	for _, c := range cases {
		if got := WordMatches(c.q, c.w); got != c.want {
			t.Errorf("WordMatches(%q, %q) = %v, want %v", c.q, c.w, got, c.want)
		}
	}
}

func TestParseQuery(t *testing.T) {
	for in, want := range map[string][]string{
		"":                          nil,
		"   ":                       nil,
		"Dowód osobisty":            {"dowod", "osobisty"},
		"registration of residence": {"registration", "residence"},
		"wniosek o wydanie dowodu":  {"wniosek", "wydanie", "dowodu"},
		"of the":                    {"of", "the"}, // nothing but little words: kept
		"посвідчення для водія":       {"посвідчення", "водія"},
		"a b c d e f g h i j k l m n": {"b", "c", "d", "e", "f", "g", "h", "j"},
	} {
		got := ParseQuery(in).Words
		if !slices.Equal(got, want) {
			t.Errorf("ParseQuery(%q) = %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("dowód ", 100) + "ostatnie"
	q := ParseQuery(long)
	if len(q.Words) != MaxQueryWords || slices.Contains(q.Words, "ostatnie") {
		t.Errorf("a long query parsed to %q, want %d words without the last", q.Words, MaxQueryWords)
	}
	one := ParseQuery(strings.Repeat("ż", 5000))
	if len(one.Words) != 1 || utf8.RuneCountInString(one.Words[0]) != MaxQueryRunes {
		t.Errorf("a 5000-letter word parsed to %d words of %d letters, want 1 of %d",
			len(one.Words), utf8.RuneCountInString(one.Words[0]), MaxQueryRunes)
	}
}

func TestSearchEmptyQueryKeepsEverything(t *testing.T) {
	deps := []Department{{DepartmentSpec: DepartmentSpec{Name: "A"}, Services: []Service{{}, {}}}}
	got, n := Search(deps, ParseQuery(" "))
	if n != 2 || len(got) != 1 {
		t.Errorf("empty query kept %d matters in %d departments, want 2 in 1", n, len(got))
	}
}

// TestSearchDescriptionsOnlyWhenNamesFindNothing: a word in a description
// finds its matter only when no name or keyword finds any.
func TestSearchDescriptionsOnlyWhenNamesFindNothing(t *testing.T) {
	deps := []Department{{DepartmentSpec: DepartmentSpec{Name: "Wydział"}, Services: []Service{
		{ServiceSpec: ServiceSpec{Name: "Paszport", Description: "Zabierz dowód osobisty."}},
		{ServiceSpec: ServiceSpec{Name: "Dowód osobisty"}},
		{ServiceSpec: ServiceSpec{Name: "Karta", Description: "Karta parkingowa dla mieszkańców."}},
	}}}
	for q, want := range map[string][]string{
		"dowód":      {"Dowód osobisty"},
		"parkingowa": {"Karta"},
		"paszportu":  {"Paszport"},
	} {
		got, _ := Search(deps, ParseQuery(q))
		var names []string
		for _, d := range got {
			for _, s := range d.Services {
				names = append(names, s.Name)
			}
		}
		if !slices.Equal(names, want) {
			t.Errorf("%q found %q, want %q", q, names, want)
		}
	}
}

// FuzzParseQuery: any input parses without panicking into at most
// MaxQueryWords non-empty folded words of valid UTF-8, none longer than the
// bound, that Fold leaves as they are.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"dowód osobisty", "ID card", "посвідчення", "", "\xff\xfe", "a-b_c", strings.Repeat("ł ", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := ParseQuery(s)
		if len(q.Words) > MaxQueryWords {
			t.Fatalf("%d words, more than %d", len(q.Words), MaxQueryWords)
		}
		for _, w := range q.Words {
			if w == "" || !utf8.ValidString(w) || utf8.RuneCountInString(w) > MaxQueryRunes {
				t.Fatalf("bad word %q", w)
			}
			if Fold(w) != w {
				t.Fatalf("word %q is not folded (%q)", w, Fold(w))
			}
			WordMatches(w, w+"x")
		}
	})
}

// BenchmarkSearch: a query of three words over a catalog of 20 departments
// of 25 matters each, names in three languages and keywords.
func BenchmarkSearch(b *testing.B) {
	deps := make([]Department, 20)
	for i := range deps {
		deps[i].Name, deps[i].NameEN, deps[i].NameUK = "Wydział spraw obywatelskich", "Civil affairs", "Відділ цивільних справ"
		for j := 0; j < 25; j++ {
			deps[i].Services = append(deps[i].Services, Service{ServiceSpec: ServiceSpec{
				Name: "Wniosek o wydanie dowodu osobistego", NameEN: "Applying for an ID card",
				NameUK: "Заява на видачу посвідчення особи", Keywords: "dowód, e-dowód, identity card, ID",
				Description: "Złożenie wniosku o nowy dowód osobisty: pierwszy, po upływie ważności.",
			}})
		}
	}
	q := ParseQuery("zameldowanie pobyt stały")
	b.ReportAllocs()
	for b.Loop() {
		Search(deps, q)
	}
}
