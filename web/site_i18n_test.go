package web

import (
	"io/fs"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/okienko/okienko/booking"
)

// messageForms reads a message file into id → plural forms ("" for a plain
// message).
func messageForms(t *testing.T, lang string) map[string][]string {
	t.Helper()
	var raw map[string]any
	if _, err := toml.DecodeFS(localeFS, "locales/"+lang+".toml", &raw); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			switch v := v.(type) {
			case string:
				out[prefix+k] = []string{""}
			case map[string]any:
				if _, plural := v["other"]; plural {
					var forms []string
					for f := range v {
						forms = append(forms, f)
					}
					sort.Strings(forms)
					out[prefix+k] = forms
				} else {
					walk(prefix+k+".", v)
				}
			default:
				t.Errorf("%s: %s%s is a %T", lang, prefix, k, v)
			}
		}
	}
	walk("", raw)
	return out
}

// The three message files have the same messages, and every plural message
// has exactly the forms its language's CLDR rules use.
func TestSiteMessageFiles(t *testing.T) {
	pl := messageForms(t, "pl")
	if len(pl) < 150 {
		t.Fatalf("only %d Polish messages", len(pl))
	}
	pluralForms := map[string][]string{"pl": {"few", "many", "one", "other"}, "uk": {"few", "many", "one", "other"}, "en": {"one", "other"}}
	for _, lang := range []string{"pl", "en", "uk"} {
		msgs := messageForms(t, lang)
		for id, forms := range msgs {
			if _, ok := pl[id]; !ok {
				t.Errorf("%s has %q, Polish has not", lang, id)
			}
			if len(forms) > 1 && !slices.Equal(forms, pluralForms[lang]) {
				t.Errorf("%s %q has forms %v, want %v", lang, id, forms, pluralForms[lang])
			}
			if (len(forms) > 1) != (len(pl[id]) > 1) {
				t.Errorf("%s %q: plural in one language only", lang, id)
			}
		}
		for id := range pl {
			if _, ok := msgs[id]; !ok {
				t.Errorf("%s lacks %q", lang, id)
			}
		}
	}
}

// Every message the templates and the site's code ask for exists in every
// language.
func TestSiteMessagesUsedExist(t *testing.T) {
	used := map[string]bool{}
	inTemplates := regexp.MustCompile(`\.L\.[TN] "([^"]+)"`)
	inCode := regexp.MustCompile(`\b(?:l|p\.L|L)\.[TN]\("([^"]+)"`)
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(path, "site_") {
			return err
		}
		b, err := fs.ReadFile(templateFS, path)
		for _, m := range inTemplates.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := fs.Glob(os.DirFS("."), "site*.go")
	files = append(files, "i18n.go")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range inCode.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasSuffix(m[1], ".") { // a prefix completed below
				used[m[1]] = true
			}
		}
	}
	for _, k := range knownErrors {
		used[k.id] = true
	}
	for _, wd := range weekdayKeys {
		used["weekday."+wd], used["weekdayShort."+wd] = true, true
	}
	for m := 1; m <= 12; m++ {
		used["month."+itoa64(int64(m))], used["monthOf."+itoa64(int64(m))] = true, true
	}
	for _, s := range []string{"booked", "checked_in", "cancelled", "cancelled_late"} {
		used["status."+s], used["cancel.not."+s] = true, true
	}
	if len(used) < 100 {
		t.Fatalf("only %d messages found in use; the scan is broken", len(used))
	}
	for _, lang := range []string{"pl", "en", "uk"} {
		msgs := messageForms(t, lang)
		for id := range used {
			if _, ok := msgs[id]; !ok {
				t.Errorf("%s lacks %q", lang, id)
			}
		}
	}
}

// Counts take the plural form of their language: Polish and Ukrainian tell
// 1, 2–4 (but not 12–14) and the rest apart.
func TestSitePluralForms(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int
		want string
	}{
		{"pl", 0, "0 wolnych miejsc"}, {"pl", 1, "1 wolne miejsce"}, {"pl", 2, "2 wolne miejsca"}, {"pl", 4, "4 wolne miejsca"},
		{"pl", 5, "5 wolnych miejsc"}, {"pl", 12, "12 wolnych miejsc"}, {"pl", 21, "21 wolnych miejsc"}, {"pl", 22, "22 wolne miejsca"},
		{"pl", 112, "112 wolnych miejsc"}, {"pl", 124, "124 wolne miejsca"},
		{"uk", 1, "1 вільне місце"}, {"uk", 21, "21 вільне місце"}, {"uk", 3, "3 вільні місця"}, {"uk", 11, "11 вільних місць"},
		{"uk", 14, "14 вільних місць"}, {"uk", 25, "25 вільних місць"},
		{"en", 1, "1 free place"}, {"en", 2, "2 free places"}, {"en", 0, "0 free places"},
	} {
		if got := siteLocales[c.lang].N("calendar.free", c.n); got != c.want {
			t.Errorf("%s %d: %q, want %q", c.lang, c.n, got, c.want)
		}
	}
	if got := siteLocales["pl"].N("tooMany.text", 5); !strings.HasSuffix(got, "Spróbuj za 5 minut.") {
		t.Errorf("5 minutes: %q", got)
	}
	if got := siteLocales["pl"].N("tooMany.text", 1); !strings.HasSuffix(got, "Spróbuj za 1 minutę.") {
		t.Errorf("1 minute: %q", got)
	}
}

// The booking engine's messages a resident can meet are said in each
// language, never left in English; unknown ones fall back to the English.
func TestSiteTranslatesDomainMessages(t *testing.T) {
	var msgs []string
	errOf := func(_ any, err error) {
		if err == nil {
			t.Fatal("expected an error")
		}
		msgs = append(msgs, err.Error())
	}
	for _, p := range []string{"1", "4405140135A", "44051401358", "44133101356", "44023001350"} {
		if _, err := booking.ParsePESEL(p); err != nil {
			msgs = append(msgs, err.Error())
		}
	}
	for _, n := range []string{"J", "Jan 3", "Jan\tK", "Jan_K", "\u0301Jan", "...", strings.Repeat("a", 121)} {
		errOf(booking.NormalizeName(n))
	}
	for _, m := range []string{"jan kowalski@example.pl", "Jan <jan@example.pl>", "jan.example.pl", "@example.pl", "jan@", "jan@example", "jan@-example.pl", strings.Repeat("a", 65) + "@example.pl", "jan@@example.pl"} {
		errOf(booking.NormalizeEmail(m))
	}
	for _, ph := range []string{"+49 600 100 200", "600-100-20x", "12345"} {
		errOf(booking.NormalizePhone(ph))
	}
	for _, c := range []string{"ABC", "ABCD-EFG0", "ABCD-EF#H"} {
		errOf(booking.ParseCode(c))
	}
	msgs = append(msgs,
		"consent to the processing of personal data is required to book",
		"the birth date encoded in it lies in the future",
		"POST is not allowed here; this address takes GET, HEAD",
		"this time has already passed",
		"visits can be booked up to 30 days ahead: the last bookable day is 2026-12-23",
		"the office is closed on 2026-12-25: Boże Narodzenie",
		"the department does not receive visitors on 2026-11-28 (Saturday)",
		"bookings for a time close 60 minutes before it starts",
		"10:07 is not a start time of this matter's 15-minute slots",
		"this time is already fully booked; please choose another",
		"this PESEL already has a booking for this matter on 2026-11-24",
		"this PESEL already has 3 upcoming bookings, the most allowed; cancel one to book another",
		"this booking has been checked in and can no longer be cancelled",
		"this booking is already cancelled",
		"the visit has already begun; it can no longer be cancelled",
		"no booking matches this code and PESEL",
		"no booking for this PESEL, matter and day",
		"this booking has been checked in and can no longer be moved",
		"this booking is cancelled and can no longer be moved; please book a new visit",
		"only a booked visit can be moved",
		"the visit has already begun; it can no longer be moved",
		"this is already the time of the visit; choose another",
		"list 2 to 4 matters of one department; for one matter give service_id",
		"give service_id for one matter or service_ids for several, not both",
		"at most 4 matters in one visit",
		"the same matter as service_ids[0]; list each matter once",
		"a matter of another department; one visit is at one department",
		"this matter asks residents to confirm by e-mail and can't be combined with others in one visit; book it alone",
		"a visit of several matters can't be moved; cancel it and book the matters again",
	)
	for _, lang := range []string{"pl", "en", "uk"} {
		l := siteLocales[lang]
		for _, m := range msgs {
			got := l.Message(m)
			if got == m || strings.Contains(got, "<no value>") || strings.HasPrefix(got, "err.") {
				t.Errorf("%s: %q is said as %q", lang, m, got)
			}
		}
		if got := l.Message("something new"); got != "something new" {
			t.Errorf("%s: an unknown message became %q", lang, got)
		}
		if got := l.FieldError("pesel", "required"); got != l.T("err.required.pesel") {
			t.Errorf("%s: required PESEL said %q", lang, got)
		}
		if got := l.FieldError("lang", "is required"); got != l.T("err.requiredField") {
			t.Errorf("%s: required field said %q", lang, got)
		}
	}
	if got := siteLocales["pl"].Message("this PESEL already has 3 upcoming bookings, the most allowed; cancel one to book another"); !strings.Contains(got, "są już 3 zaplanowane wizyty") {
		t.Errorf("3 bookings: %q", got)
	}
	if got := siteLocales["pl"].Message("must be at most 254 characters"); got != "Wpisz najwyżej 254 znaki." {
		t.Errorf("254 characters: %q", got)
	}
}

// Instructions become paragraphs and bulleted lists.
func TestSiteTextBlocks(t *testing.T) {
	got := textBlocks("Zabierz ze sobą:\n- dowód,\n- zdjęcie.\n\nOpłata 30 zł.\r\n* karta")
	want := []textBlock{{Text: "Zabierz ze sobą:"}, {Items: []string{"dowód,", "zdjęcie."}}, {Text: "Opłata 30 zł."}, {Items: []string{"karta"}}}
	if len(got) != len(want) {
		t.Fatalf("%#v", got)
	}
	for i := range want {
		if got[i].Text != want[i].Text || !slices.Equal(got[i].Items, want[i].Items) {
			t.Errorf("block %d: %#v, want %#v", i, got[i], want[i])
		}
	}
}
