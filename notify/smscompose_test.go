package notify

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"
)

var smsKinds = []string{"confirmation", "reminder", "cancellation", "cancellation_late", "rescheduled", "turn_near", "turn_near_remote", "ticket_called", "feedback_invite"}

const (
	shortOffice  = "Urząd Testowy"
	longOffice   = "Urząd Miasta Stołecznego Warszawy – Delegatura Biura Administracji i Spraw Obywatelskich w Dzielnicy Praga-Południe"
	shortService = "Dowód osobisty"
	longService  = "Wniosek o wydanie dowodu osobistego dla osoby małoletniej, która nie ukończyła 18. roku życia"
	shortBase    = "https://urzad.example"
	longBase     = "https://rezerwacje.um.warszawa.pl/okienko/delegatura-biura-administracji-praga-poludnie"
)

// smsView is a booking's (and a ticket's) view with these names and base
// URL; the code is the one of the bug report.
func smsView(office, service, base string) view {
	code := "NXAN-5REK"
	manage := base + "/rezerwacja/" + code
	return view{Office: office, Service: service, Department: "Dowody osobiste", Code: code, Date: "2026-03-03", Time: "10:00",
		Number: "D001", BaseURL: base, ManageURL: manage, CancelURL: manage + "/odwolaj", StatusURL: base + TicketPath + "k3v7q2mzp4x8w6rt"}
}

// essentials are what kind's SMS must always hold whole; the link (if any)
// last.
func essentials(kind string, v view) (pieces []string, link string) {
	switch kind {
	case "turn_near", "turn_near_remote", "ticket_called":
		return []string{v.Number}, ""
	case "feedback_invite":
		return nil, v.StatusURL
	case "confirmation", "reminder", "rescheduled":
		return []string{v.Code, v.Date, v.Time}, v.CancelURL
	}
	return []string{v.Code, v.Date, v.Time}, ""
}

// hasLink reports whether link stands in text whole: after a space and
// before a space or the end.
func hasLink(text, link string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], link)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(link)
		if (start == 0 || text[start-1] == ' ') && (end == len(text) || text[end] == ' ') {
			return true
		}
		i = start + 1
	}
}

// shortest is name at its shortest: its first word with "…", or whole
// when it has one word.
func shortest(name string) string {
	if cuts := shortenings(name, 1<<20); len(cuts) > 0 {
		return cuts[0]
	}
	return name
}

// smsChecked says what a checked SMS came to, for the table's own checks.
type smsChecked struct {
	variant          int
	service, office  string // as shown: whole, cut, or "" when dropped
	serviceCut, cut  bool   // a name shortened (cut: either)
	dropped          bool   // a name of the fullest variant missing
	over             bool
	unicode          bool
	parts, variants  int
	minimal, fullest string
}

// checkSMS fails t unless text (and over) is what composeSMS may make of
// kind for v within l: it fits, or it is the minimal variant whole and
// over; the code, the date and time, the ticket number and the link are
// there whole. strict identifies the variant and the names and checks the
// order too: a fuller variant (names whole) doesn't fit; a dropped name
// didn't fit even at its shortest; wording went before a name was cut; the
// matter is cut before the office; a cut is the longest that fits.
func checkSMS(t testing.TB, lang, kind string, v view, l SMSLimits, text string, over, strict bool) smsChecked {
	t.Helper()
	tpl := texts[lang]
	for _, field := range smsNames {
		*field(&v) = smsName(*field(&v))
	}
	variants := smsVariants(tpl, kind)
	minimal, _ := smsExecute(tpl, variants[len(variants)-1], v)
	enc, unicode := l.Encode(text)
	parts := SMSParts(enc, unicode)
	res := smsChecked{over: over, unicode: unicode, parts: parts, variants: len(variants), minimal: minimal}
	if over {
		if text != minimal || parts <= l.MaxParts() {
			t.Fatalf("over the limit (%d parts of %d) yet not the minimal text whole:\n%q\nminimal %q", parts, l.MaxParts(), text, minimal)
		}
	} else if parts > l.MaxParts() || smsLength(enc, unicode) > SMSLimit(l.MaxParts(), unicode) {
		t.Fatalf("%q takes %d parts (%d units), allowed %d", enc, parts, smsLength(enc, unicode), l.MaxParts())
	}
	pieces, link := essentials(kind, v)
	for _, p := range pieces {
		if !strings.Contains(enc, p) {
			t.Fatalf("%q lacks %q", enc, p)
		}
	}
	if link != "" && !hasLink(enc, link) {
		t.Fatalf("%q lacks the link %q whole", enc, link)
	}
	if !strict {
		return res
	}
	// Which variant, which names?
	shown := func(name string) (string, bool) {
		cuts := shortenings(name, 1<<20)
		if name != "" && strings.Contains(text, name) {
			return name, false
		}
		for k := len(cuts) - 1; k >= 0; k-- {
			if strings.Contains(text, cuts[k]) {
				return cuts[k], true
			}
		}
		return "", false
	}
	var officeCut bool
	res.service, res.serviceCut = shown(v.Service)
	res.office, officeCut = shown(v.Office)
	res.cut = res.serviceCut || officeCut
	with := func(i int, service, office string) string {
		w := v
		w.Service, w.Office = service, office
		s, err := smsExecute(tpl, variants[i], w)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	uses := make([][]bool, len(variants))
	for i := range variants {
		uses[i], _ = smsNamesUsed(tpl, variants[i], v)
	}
	res.variant = -1
	for i := range variants {
		if with(i, res.service, res.office) == text {
			res.variant = i
			break
		}
	}
	if res.variant < 0 {
		t.Fatalf("%q is no variant with the service %q and the office %q", text, res.service, res.office)
	}
	i := res.variant
	res.fullest = with(0, v.Service, v.Office)
	res.dropped = !covers(uses[i], uses[0])
	for j := 0; j < i; j++ {
		if usesEmpty(uses[j], v) {
			continue
		}
		if l.Fits(with(j, v.Service, v.Office)) {
			t.Fatalf("variant %d fits with the names whole, yet %d was taken: %q", j+1, i+1, text)
		}
		if !covers(uses[i], uses[j]) && l.Fits(with(j, shortest(v.Service), shortest(v.Office))) {
			t.Fatalf("variant %d fits with the names shortened, yet %d drops one: %q", j+1, i+1, text)
		}
	}
	if res.cut {
		for k := i + 1; k < len(variants); k++ {
			if covers(uses[k], uses[i]) && l.Fits(with(k, v.Service, v.Office)) {
				t.Fatalf("a name was cut though variant %d, dropping wording only, fits: %q", k+1, text)
			}
		}
	}
	if officeCut && res.service != "" && res.service != shortest(v.Service) {
		t.Fatalf("the office was cut before the matter was at its shortest: %q", text)
	}
	longer := func(name, cut string) string { // the next longer form of a cut name
		cuts := shortenings(name, 1<<20)
		for k, c := range cuts {
			if c == cut && k+1 < len(cuts) {
				return cuts[k+1]
			}
		}
		return name
	}
	if res.serviceCut && !officeCut && l.Fits(with(i, longer(v.Service, res.service), res.office)) {
		t.Fatalf("the matter was cut shorter than it had to be: %q", text)
	}
	if officeCut && l.Fits(with(i, res.service, longer(v.Office, res.office))) {
		t.Fatalf("the office was cut shorter than it had to be: %q", text)
	}
	return res
}

// Every language has every kind's SMS in at least two variants; each holds
// the essentials, and the minimal one no name.
func TestSMSTemplates(t *testing.T) {
	v := smsView(shortOffice, shortService, shortBase)
	for _, lang := range []string{"pl", "en", "uk"} {
		for _, kind := range smsKinds {
			variants := smsVariants(texts[lang], kind)
			if len(variants) < 2 {
				t.Errorf("%s %s: %d SMS variants", lang, kind, len(variants))
				continue
			}
			for i, name := range variants {
				text, err := smsExecute(texts[lang], name, v)
				if err != nil {
					t.Fatal(err)
				}
				pieces, link := essentials(kind, v)
				for _, p := range pieces {
					if !strings.Contains(text, p) {
						t.Errorf("%s %s: %q lacks %q", lang, name, text, p)
					}
				}
				if link != "" && !hasLink(text, link) {
					t.Errorf("%s %s: %q lacks the link whole", lang, name, text)
				}
				used, _ := smsNamesUsed(texts[lang], name, v)
				if i == len(variants)-1 && (used[0] || used[1]) {
					t.Errorf("%s %s: the minimal variant shows a name", lang, name)
				}
			}
		}
	}
}

// Every language × encoding × parts × short and long names × short and
// long base URL × kind: the SMS fits (or is the minimal text whole), holds
// the code, the date and time, the ticket number and the link whole, and
// names are shortened before they are dropped.
func TestComposeSMS(t *testing.T) {
	var cut, dropped, over, whole int
	for _, lang := range []string{"pl", "en", "uk"} {
		for _, uni := range []bool{false, true} {
			for parts := 1; parts <= 3; parts++ {
				for _, office := range []string{shortOffice, longOffice} {
					for _, service := range []string{shortService, longService} {
						for _, base := range []string{shortBase, longBase} {
							for _, kind := range smsKinds {
								l := SMSLimits{Unicode: uni, Parts: parts}
								v := smsView(office, service, base)
								name := fmt.Sprintf("%s/%s/unicode=%v/parts=%d/office=%d/service=%d/base=%d", lang, kind, uni, parts, len(office), len(service), len(base))
								text, o, err := composeSMS(texts[lang], kind, v, l)
								if err != nil {
									t.Fatalf("%s: %v", name, err)
								}
								t.Run(name, func(t *testing.T) {
									r := checkSMS(t, lang, kind, v, l, text, o, true)
									switch {
									case r.over:
										over++
									case r.variant == 0 && !r.cut:
										whole++
									}
									if r.cut {
										cut++
									}
									if r.dropped {
										dropped++
									}
								})
							}
						}
					}
				}
			}
		}
	}
	t.Logf("%d whole, %d with a name cut, %d with a name dropped, %d over the limit", whole, cut, dropped, over)
	if whole == 0 || cut == 0 || dropped == 0 || over == 0 {
		t.Errorf("the table misses a case: %d whole, %d cut, %d dropped, %d over", whole, cut, dropped, over)
	}
}

// The cases of the bug report and what shortening looks like.
func TestComposeSMSCases(t *testing.T) {
	cases := []struct {
		name, lang, kind string
		l                SMSLimits
		v                view
		want             string
		over             bool
	}{
		{"Polish confirmation in one GSM part keeps the link with the right code", "pl", "confirmation", SMSLimits{Parts: 1},
			smsView("Urząd Testowy", "Wniosek o dowód osobisty", shortBase),
			"Urząd Testowy: zapraszamy na wizytę 2026-03-03 o 10:00, Wniosek o dowód osobisty. Kod: NXAN-5REK. Odwołanie: https://urzad.example/rezerwacja/NXAN-5REK/odwolaj", false},
		{"a long matter is shortened, not dropped", "pl", "confirmation", SMSLimits{Parts: 1},
			smsView(shortOffice, longService, shortBase),
			"Urząd Testowy: wizyta 2026-03-03 10:00, Wniosek o wydanie dowodu osobistego dla… Kod: NXAN-5REK. Odwołanie: https://urzad.example/rezerwacja/NXAN-5REK/odwolaj", false},
		{"the polite phrase goes before a name is cut", "en", "confirmation", SMSLimits{Parts: 1},
			smsView("City Hall", "Identity card application for a minor", shortBase),
			"City Hall: visit 2026-03-03 10:00, Identity card application for a minor. Code: NXAN-5REK. Cancel: https://urzad.example/rezerwacja/NXAN-5REK/odwolaj", false},
		{"Ukrainian confirmation in one part has the code: the minimal text, whole", "uk", "confirmation", SMSLimits{Parts: 1},
			smsView("Urząd Testowy", "Wniosek o dowód osobisty", shortBase),
			"Візит 2026-03-03 10:00, код NXAN-5REK: https://urzad.example/rezerwacja/NXAN-5REK/odwolaj", true},
		{"Ukrainian confirmation in two parts: the matter shortened", "uk", "confirmation", SMSLimits{Parts: 2},
			smsView("Urząd Testowy", "Wniosek o dowód osobisty", shortBase),
			"Urząd Testowy: візит 2026-03-03 10:00, Wniosek o dowód… Код: NXAN-5REK. Скасувати: https://urzad.example/rezerwacja/NXAN-5REK/odwolaj", false},
		{"Unicode on, Polish in one part: the minimal text is GSM", "pl", "confirmation", SMSLimits{Unicode: true, Parts: 1},
			smsView(shortOffice, shortService, shortBase),
			"Wizyta 2026-03-03 10:00, kod NXAN-5REK: https://urzad.example/rezerwacja/NXAN-5REK/odwolaj", false},
		{"a one-word office too long for one part is dropped", "pl", "turn_near", SMSLimits{Parts: 1},
			smsView(strings.Repeat("Urząd", 30), shortService, shortBase),
			"Numer D001 - Twoja kolej się zbliża. Prosimy wrócić do poczekalni.", false},
		{"names on one line", "en", "cancellation", SMSLimits{Parts: 1},
			smsView("City\n  Hall\t", "ID\r\ncard", shortBase),
			"City Hall: visit 2026-03-03 10:00 (NXAN-5REK), ID card, has been cancelled.", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text, over, err := composeSMS(texts[c.lang], c.kind, c.v, c.l)
			if err != nil || text != c.want || over != c.over {
				t.Fatalf("got %q over=%v %v\nwant %q over=%v", text, over, err, c.want, c.over)
			}
			checkSMS(t, c.lang, c.kind, c.v, c.l, text, over, true)
		})
	}
}

// gsmTable is GSM 03.38's basic set (escape left out) and extension
// table, written out apart from the code under test.
const (
	gsmTable    = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmTableExt = "\f^{}\\[~]|€"
)

// checkLength fails t unless Encode's choice and SMSParts agree with a
// count made apart: septets by the table, UCS-2 units by UTF-16.
func checkLength(t testing.TB, l SMSLimits, text string) {
	t.Helper()
	enc, unicode := l.Encode(text)
	n, gsm := 0, true
	for _, r := range enc {
		switch {
		case strings.ContainsRune(gsmTable, r) && r != 0x1b:
			n++
		case strings.ContainsRune(gsmTableExt, r):
			n += 2
		default:
			gsm = false
		}
	}
	if gsm == unicode {
		t.Fatalf("%q goes as unicode=%v, but GSM has all its characters: %v", enc, unicode, gsm)
	}
	single, multi := 160, 153
	if unicode {
		n, single, multi = len(utf16.Encode([]rune(enc))), 70, 67
	}
	if smsLength(enc, unicode) != n {
		t.Fatalf("%q: length %d, counted %d", enc, smsLength(enc, unicode), n)
	}
	parts := SMSParts(enc, unicode)
	lo, hi := 1, 1
	if n > single {
		lo, hi = (n+multi-1)/multi, (n+multi-2)/(multi-1)
	}
	if parts < lo || parts > hi {
		t.Fatalf("%q: %d units in %d parts, want %d to %d", enc, n, parts, lo, hi)
	}
}

func TestSMSLength(t *testing.T) {
	for _, s := range []string{"", "Zażółć gęślą jaźń", "Візит…", "{€} – „x”", "😀 a", "a`b", "\x00\xff", strings.Repeat("€", 200)} {
		for _, l := range []SMSLimits{{}, {Unicode: true}} {
			checkLength(t, l, s)
		}
	}
}

// FuzzSMSCompose: whatever the names, an SMS never exceeds the limit unless
// it is the minimal text whole; the code, date, time, ticket number and
// link are always there whole; and the length counter agrees with one made
// apart.
func FuzzSMSCompose(f *testing.F) {
	f.Add(shortOffice, shortService, uint8(0), uint8(0), false, uint8(1), false)
	f.Add(longOffice, longService, uint8(2), uint8(0), true, uint8(1), true)
	f.Add("Urząd {Miasta} € ~ [x]", "Sprawa\n\tz\u00a0odstępami", uint8(1), uint8(4), false, uint8(2), false)
	f.Add("😀😀 😀", "Café Müller – „x”…", uint8(0), uint8(1), true, uint8(3), true)
	f.Add("\xff\xfe bad", "a", uint8(2), uint8(2), false, uint8(6), false)
	f.Fuzz(func(t *testing.T, office, service string, lang, kind uint8, uni bool, parts uint8, long bool) {
		l := SMSLimits{Unicode: uni, Parts: int(parts % 7)}
		base := shortBase
		if long {
			base = longBase
		}
		langName := []string{"pl", "en", "uk"}[int(lang)%3]
		kindName := smsKinds[int(kind)%len(smsKinds)]
		v := smsView(office, service, base)
		text, over, err := composeSMS(texts[langName], kindName, v, l)
		if err != nil {
			t.Fatal(err)
		}
		checkSMS(t, langName, kindName, v, l, text, over, false)
		checkLength(t, l, text)
		checkLength(t, l, office+service)
	})
}
