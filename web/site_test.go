package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/web"
)

// siteClient is a browser without JavaScript for handler tests: it keeps
// the cookies the site sets and sends forms as a browser does.
type siteClient struct {
	e       *env
	cookies map[string]*http.Cookie
	headers []string
}

func (e *env) site(headers ...string) *siteClient {
	return &siteClient{e: e, cookies: map[string]*http.Cookie{}, headers: headers}
}

func (sc *siteClient) send(method, path string, body any, headers ...string) (*http.Response, string) {
	sc.e.t.Helper()
	var parts []string
	for _, c := range sc.cookies {
		parts = append(parts, c.Name+"="+c.Value)
	}
	all := append(append([]string{}, sc.headers...), headers...)
	if len(parts) > 0 {
		all = append(all, "Cookie", strings.Join(parts, "; "))
	}
	resp, out := sc.e.do(method, path, body, all...)
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 {
			delete(sc.cookies, c.Name)
		} else {
			sc.cookies[c.Name] = c
		}
	}
	return resp, string(out)
}

func (sc *siteClient) get(path string, headers ...string) (*http.Response, string) {
	sc.e.t.Helper()
	return sc.send("GET", path, nil, headers...)
}

// post sends form as application/x-www-form-urlencoded with the CSRF token
// of the csrf cookie, unless the form has its own _csrf.
func (sc *siteClient) post(path string, form url.Values, headers ...string) (*http.Response, string) {
	sc.e.t.Helper()
	if _, ok := form["_csrf"]; !ok {
		if c := sc.cookies["csrf"]; c != nil {
			form.Set("_csrf", c.Value)
		}
	}
	return sc.send("POST", path, form.Encode(), append([]string{"Content-Type", "application/x-www-form-urlencoded"}, headers...)...)
}

// wantPage fails unless resp is an HTML page with status.
func wantPage(t *testing.T, resp *http.Response, body string, status int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %.600s", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("Content-Type %q, want HTML: %.300s", ct, body)
	}
	if !strings.Contains(body, "<!doctype html>") || !strings.Contains(body, `<main id="main"`) {
		t.Fatalf("not a site page: %.300s", body)
	}
}

// messageIDs are the ids of every message of the Polish message file, to
// find any a page shows untranslated.
func messageIDs(t *testing.T) []string {
	t.Helper()
	var raw map[string]any
	if _, err := toml.DecodeFile("locales/pl.toml", &raw); err != nil {
		t.Fatal(err)
	}
	var ids []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			switch v := v.(type) {
			case string:
				ids = append(ids, prefix+k)
			case map[string]any:
				if _, plural := v["other"]; plural {
					ids = append(ids, prefix+k)
				} else {
					walk(prefix+k+".", v)
				}
			}
		}
	}
	walk("", raw)
	return ids
}

// wantNoMessageIDs fails when the page shows a message's id, the sign of a
// message missing from the language's file.
func wantNoMessageIDs(t *testing.T, ids []string, body string) {
	t.Helper()
	for _, id := range ids {
		if strings.Contains(body, ">"+id+"<") || strings.Contains(body, `"`+id+`"`) || strings.Contains(body, " "+id+" ") {
			t.Errorf("the page shows the message id %q", id)
		}
	}
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// bookOne books a visit through the store for the n-th resident.
func (e *env) bookOne(serviceID int64, start time.Time, pesel string) *booking.Booking {
	e.t.Helper()
	b, err := e.bookings.Book(context.Background(), booking.Request{
		ServiceID: serviceID, Start: start, Name: "Jan Testowy", PESEL: pesel, Email: "jan@example.pl", Consent: true,
	})
	if err != nil {
		e.t.Fatalf("book %v: %v", start, err)
	}
	return b
}

// Every page of the site answers 200 in every language, with the language
// in <html lang>, its own texts and no message left untranslated.
func TestSitePagesInEachLanguage(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		ids := messageIDs(t)
		serviceID, slot := e.firstFreeSlot()
		b := e.bookOne(serviceID, slot.Start, validPESEL)
		code := booking.FormatCode(b.Code)
		svc := strconv.FormatInt(serviceID, 10)
		pages := []string{
			"/", "/?q=dowod", "/sprawy/" + svc, "/sprawy/" + svc + "/termin", "/sprawy/" + svc + "/termin?month=" + monthParam(e.week.Day(30)),
			"/sprawy/" + svc + "/termin/" + e.week.Date(1), "/sprawy/" + svc + "/termin/" + e.week.Date(5),
			"/sprawy/" + svc + "/rezerwacja?start=" + url.QueryEscape(slot.Start.Format(time.RFC3339)),
			"/rezerwacja", "/rezerwacja/" + code, "/rezerwacja/" + code + "/odwolaj", "/odwolaj",
			"/sprawy/" + svc + "/termin?zmiana=" + code, "/sprawy/" + svc + "/termin/" + e.week.Date(2) + "?zmiana=" + code,
			"/rezerwacja/" + code + "/zmien?start=" + url.QueryEscape(e.week.At(2, 11, 0).Format(time.RFC3339)),
		}
		skip := map[string]string{"pl": "Przejdź do treści", "en": "Skip to content", "uk": "Перейти до змісту"}
		for _, lang := range []string{"pl", "en", "uk"} {
			for _, path := range pages {
				sep := "?"
				if strings.Contains(path, "?") {
					sep = "&"
				}
				resp, body := e.site().get(path + sep + "lang=" + lang)
				wantPage(t, resp, body, 200)
				if !strings.Contains(body, `<html lang="`+lang+`">`) || !strings.Contains(body, skip[lang]) {
					t.Errorf("%s in %s: no lang attribute or skip link in the language", path, lang)
				}
				if !regexp.MustCompile(`<title>[^<]+ — Urząd Miasta Okienkowo</title>`).MatchString(body) {
					t.Errorf("%s in %s: no title of its own", path, lang)
				}
				if resp.Header.Get("Cache-Control") != "no-store" {
					t.Errorf("%s: Cache-Control %q", path, resp.Header.Get("Cache-Control"))
				}
				wantNoMessageIDs(t, ids, body)
			}
		}
		// Texts of the booking's page in each language.
		for lang, want := range map[string][]string{
			"pl": {"Wizyta zarezerwowana", "zarezerwowana", code, longDate("pl", e.week.Day(1))},
			"en": {"Your visit is booked", "booked", code, longDate("en", e.week.Day(1))},
			"uk": {"Візит заброньовано", "заброньовано", code, longDate("uk", e.week.Day(1))},
		} {
			_, body := e.site().get("/rezerwacja/" + code + "?lang=" + lang)
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("booking page in %s lacks %q", lang, w)
				}
			}
		}
	})
}

// The language comes from ?lang= (then remembered in a cookie), else the
// cookie, else Accept-Language, else Polish; the switch keeps the page.
func TestSiteLanguageChoice(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	langOf := regexp.MustCompile(`<html lang="([a-z]+)">`)
	lang := func(body string) string {
		m := langOf.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no lang in %.200s", body)
		}
		return m[1]
	}
	for _, c := range []struct{ accept, want string }{
		{"", "pl"}, {"en-GB,en;q=0.9", "en"}, {"uk-UA,uk;q=0.9,en;q=0.5", "uk"}, {"de-DE", "pl"}, {"fr;q=0.9,en;q=0.8", "en"},
	} {
		_, body := e.site().get("/", "Accept-Language", c.accept)
		if got := lang(body); got != c.want {
			t.Errorf("Accept-Language %q: %s, want %s", c.accept, got, c.want)
		}
	}
	sc := e.site("Accept-Language", "pl-PL")
	resp, body := sc.get("/odwolaj?lang=uk")
	if lang(body) != "uk" {
		t.Fatalf("?lang=uk answered %s", lang(body))
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "lang" {
			cookie = c
		}
	}
	if cookie == nil || cookie.Value != "uk" || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" {
		t.Fatalf("lang cookie %+v", cookie)
	}
	if _, body = sc.get("/rezerwacja"); lang(body) != "uk" || !strings.Contains(body, "Моє бронювання") {
		t.Fatalf("the cookie is not remembered: %s", lang(body))
	}
	if _, body = sc.get("/rezerwacja?lang=xx"); lang(body) != "uk" {
		t.Fatalf("an unknown ?lang= changed the language to %s", lang(body))
	}
	// The switch links keep the path and the query.
	_, body = sc.get("/?q=dowod")
	for _, l := range []string{"pl", "en", "uk"} {
		if !strings.Contains(body, `href="/?q=dowod&amp;lang=`+l+`"`) {
			t.Errorf("no switch link to %s keeping the search: %s", l, body)
		}
	}
	if !strings.Contains(body, `lang="uk" hreflang="uk" aria-current="true"`) {
		t.Error("the current language is not marked")
	}
}

// The search finds matters the way residents type them, in each language
// of the site (the table of office/demo's search test runs over the
// domain; this one over the page): word forms, keywords, the names in other
// languages, and shows the matters in the page's language, Polish standing in
// where a text is not translated.
func TestSiteSearch(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		deps, err := e.offices.Departments(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		idOf := map[string]string{}
		for _, d := range deps {
			for _, s := range d.Services {
				idOf[s.Name] = strconv.FormatInt(s.ID, 10)
			}
		}
		idCards := []string{"Wniosek o wydanie dowodu osobistego", "Odbiór dowodu osobistego", "Zgłoszenie utraty lub uszkodzenia dowodu osobistego"}
		residence := []string{"Zameldowanie na pobyt stały lub czasowy", "Wymeldowanie z pobytu stałego lub czasowego", "Zaświadczenie o zameldowaniu"}
		links := regexp.MustCompile(`href="/sprawy/(\d+)"`)
		for _, c := range []struct {
			lang, q string
			want    []string
			shows   string // a text the page shows in its language
		}{
			{"pl", "meldunek", residence, "Zameldowanie na pobyt stały lub czasowy"},
			{"pl", "dowód osobisty", idCards, "Znaleziono 3 sprawy"},
			{"pl", "dowodu osobistego", idCards, "Odbiór dowodu osobistego"},
			{"en", "ID card", idCards, "Collecting an ID card"},
			{"en", "residence", residence, "Registering your residence"},
			{"en", "meldunek", residence, "Certificate of registered residence"},
			{"uk", "посвідчення особи", idCards, "Отримання посвідчення особи"},
			{"uk", "прописка", []string{residence[0], residence[2]}, "Реєстрація місця проживання"},
			{"uk", "dowód osobisty", idCards, "Посвідчення особи (dowody osobiste)"},
			{"pl", "xyzzy", nil, "Nie znaleziono spraw dla „xyzzy”"},
		} {
			resp, body := e.site().get("/?lang=" + c.lang + "&q=" + url.QueryEscape(c.q))
			wantPage(t, resp, body, 200)
			got := map[string]bool{}
			for _, m := range links.FindAllStringSubmatch(body, -1) {
				got[m[1]] = true
			}
			want := map[string]bool{}
			for _, n := range c.want {
				want[idOf[n]] = true
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s q=%q shows matters %v, want %v", c.lang, c.q, got, want)
			}
			if !strings.Contains(body, c.shows) {
				t.Errorf("%s q=%q: the page does not show %q", c.lang, c.q, c.shows)
			}
		}

		// Polish stands in for a text not translated, marked as Polish.
		svc := deps[0].Services[0]
		if _, err := e.offices.UpdateService(ctx, svc.ID, func(s *office.ServiceSpec) error {
			s.NameEN, s.DescriptionEN = "", ""
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		_, body := e.site().get("/?lang=en&q=" + url.QueryEscape("meldunek"))
		if !strings.Contains(body, `lang="pl">`+svc.Name+`</a>`) || !strings.Contains(body, `lang="pl">`+svc.Description) {
			t.Errorf("the untranslated matter is not shown in Polish marked lang=pl: %s", body)
		}
		if _, body := e.site().get("/?q=" + url.QueryEscape("<script>")); strings.Contains(body, "<script>") {
			t.Error("the query is not escaped")
		}
		// A query is cut at office.MaxQueryRunes characters (a request line
		// fits in 4 KiB).
		_, body = e.site().get("/?q=" + strings.Repeat("d", 3000))
		if !strings.Contains(body, `value="`+strings.Repeat("d", office.MaxQueryRunes)+`"`) {
			t.Error("a 3000-letter query is not cut to office.MaxQueryRunes")
		}
	})
}

// A booking through the pages without JavaScript: the form, field errors in
// the resident's language with the values kept, the conflict of a second
// booking, and the confirmation.
func TestSiteBookingForm(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		serviceID, slot := e.firstFreeSlot()
		formPath := fmt.Sprintf("/sprawy/%d/rezerwacja?start=%s", serviceID, url.QueryEscape(slot.Start.Format(time.RFC3339)))
		sc := e.site()
		resp, body := sc.get(formPath)
		wantPage(t, resp, body, 200)
		if !csrfField.MatchString(body) || sc.cookies["csrf"] == nil || !sc.cookies["csrf"].HttpOnly || sc.cookies["csrf"].SameSite != http.SameSiteStrictMode {
			t.Fatalf("the form has no CSRF token or cookie: %+v", sc.cookies["csrf"])
		}
		if tok := csrfField.FindStringSubmatch(body)[1]; tok != sc.cookies["csrf"].Value {
			t.Fatal("the form's token is not the cookie's")
		}
		if !strings.Contains(body, longDate("pl", e.week.Day(1))+", "+slot.Start.In(warsaw).Format("15:04")) {
			t.Errorf("the form does not name the chosen time")
		}
		form := url.Values{
			"start": {slot.Start.Format(time.RFC3339)}, "name": {"Małgorzata Żółkiewska"}, "pesel": {"44051401358"},
			"email": {"m.zolkiewska@example.pl"}, "phone": {""}, "consent": {"1"},
		}
		resp, body = sc.post(formPath, form)
		wantPage(t, resp, body, 422)
		for _, want := range []string{
			`<title>Błąd: `, `href="#pesel"`, `aria-invalid="true"`, `aria-describedby="pesel-hint pesel-error"`,
			`id="pesel-error"`, "Ten numer PESEL jest nieprawidłowy", `value="Małgorzata Żółkiewska"`, `value="44051401358"`, `value="m.zolkiewska@example.pl"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the refused form lacks %q", want)
			}
		}
		summaryReadOnce(t, "the refused form", body)
		if e.bookingCount() != 0 {
			t.Fatal("an invalid form booked")
		}
		// The same in English, with the consent missing too.
		form.Del("consent")
		resp, body = sc.post(formPath+"&lang=en", form)
		wantPage(t, resp, body, 422)
		for _, want := range []string{"This PESEL is not valid", "Tick the consent", `href="#consent"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the English form lacks %q", want)
			}
		}
		// Valid: 303 to the booking's page.
		form.Set("consent", "1")
		form.Set("pesel", validPESEL)
		resp, body = sc.post(formPath+"&lang=pl", form)
		if resp.StatusCode != 303 {
			t.Fatalf("booking: %d %.500s", resp.StatusCode, body)
		}
		loc := resp.Header.Get("Location")
		code := strings.TrimPrefix(loc, "/rezerwacja/")
		if !codeForm.MatchString(code) {
			t.Fatalf("redirect to %q", loc)
		}
		b, err := e.bookings.Get(context.Background(), code)
		if err != nil || b.ServiceID != serviceID || !b.StartsAt.Equal(slot.Start) || b.Status != booking.StatusBooked || b.Lang != "pl" || *b.Name != "Małgorzata Żółkiewska" {
			t.Fatalf("booked %+v, %v", b, err)
		}
		resp, body = sc.get(loc)
		wantPage(t, resp, body, 200)
		for _, want := range []string{`<p class="code" id="booking-code">` + code + `</p>`, `src="/rezerwacja/` + code + `/qr.svg"`, `href="/rezerwacja/` + code + `/kalendarz.ics"`, `data-print-label="Drukuj"`, "Ctrl&#43;P", "zarezerwowana"} {
			if !strings.Contains(body, want) {
				t.Errorf("the confirmation lacks %q", want)
			}
		}
		resp, qr := sc.get("/rezerwacja/" + code + "/qr.svg")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/svg+xml") || !strings.HasPrefix(qr, "<svg") {
			t.Fatalf("qr: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		// The same resident again: the conflict is said on the PESEL field.
		resp, body = sc.post(formPath, form)
		wantPage(t, resp, body, 409)
		if !strings.Contains(body, `id="pesel-error"`) || !strings.Contains(body, "Na ten numer PESEL jest już rezerwacja w tej sprawie w tym dniu") {
			t.Errorf("the second booking's conflict: %s", body)
		}
		if e.bookingCount() != 1 {
			t.Fatalf("%d bookings, want 1", e.bookingCount())
		}
		// No start: back to the calendar.
		resp, _ = sc.get(fmt.Sprintf("/sprawy/%d/rezerwacja", serviceID))
		if resp.StatusCode != 303 || resp.Header.Get("Location") != fmt.Sprintf("/sprawy/%d/termin", serviceID) {
			t.Fatalf("form without a start: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

var warsaw, _ = time.LoadLocation("Europe/Warsaw")

// A POST without the CSRF cookie, or with a token that isn't the cookie's,
// is refused with a 403 page and changes nothing.
func TestSiteCSRF(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		serviceID, slot := e.firstFreeSlot()
		formPath := fmt.Sprintf("/sprawy/%d/rezerwacja", serviceID)
		form := url.Values{"start": {slot.Start.Format(time.RFC3339)}, "name": {"Jan Kowalski"}, "pesel": {validPESEL}, "email": {"jan@example.pl"}, "consent": {"1"}}
		sc := e.site()
		resp, body := sc.post(formPath, form) // no cookie yet
		wantPage(t, resp, body, 403)
		if !strings.Contains(body, "Nie można wysłać formularza") {
			t.Errorf("403 page: %s", body)
		}
		sc.get("/rezerwacja") // sets the cookie
		forged := url.Values{}
		for k, v := range form {
			forged[k] = v
		}
		forged.Set("_csrf", strings.Repeat("A", 43))
		resp, body = sc.post(formPath, forged)
		wantPage(t, resp, body, 403)
		forged.Set("_csrf", "")
		resp, body = sc.post(formPath, forged)
		wantPage(t, resp, body, 403)
		// The cookie's token in a query string is not the form's field
		// either: another site could put it there only by knowing it.
		for _, path := range []string{"/rezerwacja", "/odwolaj", "/rezerwacja/ABCD-EFGH/odwolaj"} {
			resp, body = e.site().post(path, url.Values{"pesel": {validPESEL}, "code": {"ABCD-EFGH"}})
			wantPage(t, resp, body, 403)
		}
		if e.bookingCount() != 0 {
			t.Fatal("a refused form booked")
		}
		if resp, _ := sc.post(formPath, form); resp.StatusCode != 303 {
			t.Fatalf("with the token: %d", resp.StatusCode)
		}
	})
}

// Past the limit per address the booking form comes back with 429 and
// Retry-After, everything typed kept and a message saying when to try
// again; refused attempts (on the API or the form) don't count. The
// look-up form past its limit answers the 429 page. The limits are those of
// the API, their counts shared.
func TestSiteTooManyAttempts(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		limits := generous
		limits.Book = web.Limit{Max: 2, Window: time.Hour}
		limits.Lookup = web.Limit{Max: 2, Window: 90 * time.Second}
		e := newEnvWith(t, db, limits)
		serviceID, slot := e.firstFreeSlot()
		bad := bookingBody(serviceID, slot.Start)
		bad["pesel"] = "1"
		if resp, body := e.do("POST", "/api/v1/bookings", bad); resp.StatusCode != 422 {
			t.Fatalf("API attempt: %d %s", resp.StatusCode, body)
		}
		good := bookingBody(serviceID, slot.Start)
		good["pesel"] = residentPESEL(7)
		if resp, body := e.do("POST", "/api/v1/bookings", good); resp.StatusCode != 201 {
			t.Fatalf("API booking: %d %s", resp.StatusCode, body)
		}
		sc := e.site()
		formPath := fmt.Sprintf("/sprawy/%d/rezerwacja", serviceID)
		start := slot.Start.Add(time.Hour)
		sc.get(formPath + "?start=" + url.QueryEscape(start.Format(time.RFC3339)))
		form := url.Values{"start": {start.Format(time.RFC3339)}, "name": {"Jan Kowalski"}, "pesel": {"1"}, "email": {"jan@example.pl"}, "phone": {"600 100 200"}, "consent": {"1"}}
		resp, body := sc.post(formPath, form)
		wantPage(t, resp, body, 422)
		form.Set("pesel", validPESEL)
		if resp, body := sc.post(formPath, form); resp.StatusCode != 303 {
			t.Fatalf("the second booking from the address: %d %.600s", resp.StatusCode, body)
		}
		// A third resident at the same address: the limit.
		form = url.Values{"start": {start.Format(time.RFC3339)}, "name": {"Zofia Wiśniewska-Kowalczyk"}, "pesel": {residentPESEL(8)}, "email": {"zofia.w@example.pl"}, "phone": {"601 200 300"}}
		for _, lang := range []struct{ code, heading, text string }{
			{"pl", "Zbyt wiele rezerwacji z Twojego adresu", "Spróbuj ponownie za 60 minut (o 11:00). Wpisane dane zostały zachowane."},
			{"en", "Too many bookings from your address", "Please try again in 60 minutes (at 11:00). What you typed has been kept."},
			{"uk", "Забагато бронювань з вашої адреси", "Спробуйте ще раз через 60 хвилин (о 11:00). Введені дані збережено."},
		} {
			resp, body = sc.post(formPath+"?lang="+lang.code, form)
			wantPage(t, resp, body, 429)
			if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra != 3600 {
				t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
			}
			if !strings.Contains(body, lang.heading) || !strings.Contains(body, lang.text) {
				t.Errorf("%s 429 form: %s", lang.code, body)
			}
			for _, typed := range []string{`value="Zofia Wiśniewska-Kowalczyk"`, `value="` + residentPESEL(8) + `"`, `value="zofia.w@example.pl"`, `value="601 200 300"`, `name="start" value="` + strings.ReplaceAll(start.Format(time.RFC3339), "+", "&#43;") + `"`} {
				if !strings.Contains(body, typed) {
					t.Errorf("%s 429 form lost %s: %s", lang.code, typed, body)
				}
			}
			if ticked := strings.Contains(body, `id="consent" name="consent" value="1" checked`); ticked != (form.Get("consent") != "") {
				t.Errorf("%s: the consent is ticked: %v, sent: %q", lang.code, ticked, form.Get("consent"))
			}
			form.Set("consent", "1")
		}
		if e.bookingCount() != 2 {
			t.Fatalf("%d bookings, want 2", e.bookingCount())
		}
		// The look-up limit, in Ukrainian: 2 minutes, "хвилини".
		for i := 0; i < 2; i++ {
			resp, body = sc.post("/rezerwacja", url.Values{"code": {"ABCD-EFGH"}, "pesel": {validPESEL}})
			wantPage(t, resp, body, 404)
		}
		resp, body = sc.post("/rezerwacja?lang=uk", url.Values{"code": {"ABCD-EFGH"}, "pesel": {validPESEL}})
		wantPage(t, resp, body, 429)
		if !strings.Contains(body, "Спробуйте через 2 хвилини.") {
			t.Errorf("Ukrainian 429 page: %s", body)
		}
	})
}

// Unknown matters, bookings and paths under the site's pages are HTML 404
// pages in the resident's language, and the server's failures an HTML 500
// page; the API keeps its problem+json.
func TestSiteErrorPages(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	for _, path := range []string{
		"/sprawy/999999", "/sprawy/abc", "/sprawy/-1/termin", "/sprawy/999999/termin/" + e.week.Date(1), "/sprawy/1/termin/2026-13-01",
		"/sprawy/1/nothing", "/rezerwacja/ZZZZ-ZZZZ", "/rezerwacja/not-a-code", "/rezerwacja/ZZZZ-ZZZZ/odwolaj", "/rezerwacja/0000/qr.svg",
	} {
		resp, body := e.site().get(path)
		wantPage(t, resp, body, 404)
		if !strings.Contains(body, "Nie znaleziono strony") {
			t.Errorf("%s: %s", path, body)
		}
	}
	resp, body := e.site().get("/sprawy/999999?lang=en")
	wantPage(t, resp, body, 404)
	if !strings.Contains(body, "Page not found") {
		t.Errorf("English 404: %s", body)
	}
	resp, out := e.do("GET", "/api/v1/nothing", nil)
	if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("API 404: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), out)
	}
	// A broken database: the calendar can't be read.
	deps, err := e.offices.Departments(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.Exec("DROP TABLE booking_load").Error; err != nil {
		t.Fatal(err)
	}
	resp, body = e.site().get(fmt.Sprintf("/sprawy/%d/termin?lang=uk", deps[0].Services[0].ID))
	wantPage(t, resp, body, 500)
	if !strings.Contains(body, "Щось пішло не так") || strings.Contains(body, "booking_load") {
		t.Errorf("500 page: %s", body)
	}
}

// The month calendar: free days link to their times with the free seats in
// the right plural form, full days say so, closed days why, days outside
// the window are plain; the day page offers no times on a full day.
func TestSiteCalendar(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		deps, err := e.offices.Departments(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		svc := deps[1].Services[0]
		// Two slots a day, one seat each: Tuesday 24th is full after two
		// bookings, Wednesday 25th has one seat left.
		if _, err := e.offices.UpdateService(ctx, svc.ID, func(s *office.ServiceSpec) error { s.SlotMinutes, s.Capacity = 240, 1; return nil }); err != nil {
			t.Fatal(err)
		}
		w := e.week
		e.bookOne(svc.ID, w.At(1, 7, 30), peselOf("800101", "1234"))
		e.bookOne(svc.ID, w.At(1, 11, 30), peselOf("800102", "1234"))
		e.bookOne(svc.ID, w.At(2, 7, 30), peselOf("800103", "1234"))
		if _, err := e.offices.CreateClosure(ctx, office.ClosureSpec{DepartmentID: &deps[1].ID, StartsOn: w.Day(9), Reason: "Inwentaryzacja"}); err != nil {
			t.Fatal(err)
		}
		base := fmt.Sprintf("/sprawy/%d/termin", svc.ID)
		resp, body := e.site().get(base)
		wantPage(t, resp, body, 200)
		first, last := w.Day(0), w.Day(30) // the booking window
		if !strings.Contains(body, "<caption>"+monthTitle("pl", first)+"</caption>") {
			t.Fatalf("the calendar does not open on the month of today, %s", monthTitle("pl", first))
		}
		// cell finds day d in the calendar page of its month, in lang.
		cell := func(lang string, d office.Date) string {
			t.Helper()
			_, body := e.site().get(base + "?month=" + monthParam(d) + "&lang=" + lang)
			m := regexp.MustCompile(`<td class="(\w+)"[^>]*>(?:<a href="([^"]*)">)?<span class="day-number">` + strconv.Itoa(d.Day) + `</span>(.*?)</td>`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no cell for %s", d)
			}
			// The phone's mark repeats the state (the free places, ✕, –); the
			// words are what every reader gets.
			mark := regexp.MustCompile(`<span class="day-mark" aria-hidden="true">([^<]*)</span>`).FindStringSubmatch(m[3])
			if mark == nil {
				if m[1] != "out" {
					t.Fatalf("no mark in the cell of %s: %s", d, m[3])
				}
				mark = []string{"", ""}
			}
			words := regexp.MustCompile(`<[^>]+>`).ReplaceAllString(strings.Replace(m[3], mark[0], "", 1), "")
			switch {
			case m[1] == "free" && !strings.Contains(words, ") "+mark[1]+" "),
				m[1] == "full" && mark[1] != "✕", m[1] == "closed" && mark[1] != "–":
				t.Errorf("the mark %q of %s does not match %q", mark[1], d, words)
			}
			return m[1] + "|" + m[2] + "|" + words
		}
		link := func(n int) string { return base + "/" + w.Date(n) }
		cells := map[int]string{
			0:  "free|" + link(0) + "| (" + longDate("pl", w.Day(0)) + ") 1 wolne miejsce",
			1:  "full|" + link(1) + "/lista| (" + longDate("pl", w.Day(1)) + ") brak wolnych miejsc zapisz się na listę oczekujących",
			2:  "free|" + link(2) + "| (" + longDate("pl", w.Day(2)) + ") 1 wolne miejsce",
			3:  "free|" + link(3) + "| (" + longDate("pl", w.Day(3)) + ") 2 wolne miejsca",
			5:  "closed|| (" + longDate("pl", w.Day(5)) + ") nieczynne",
			9:  "closed|| (" + longDate("pl", w.Day(9)) + ") nieczynne: Inwentaryzacja",
			30: "free|" + link(30) + "| (" + longDate("pl", w.Day(30)) + ") 2 wolne miejsca",
			31: "out||",
		}
		if w.Day(-3).Month == first.Month { // the Friday before, when this month shows it
			cells[-3] = "out||"
		}
		for n, want := range cells {
			if got := cell("pl", w.Day(n)); got != want {
				t.Errorf("%s: %q, want %q", w.Date(n), got, want)
			}
		}
		// The window's months link to each other, and only to each other.
		months := []office.Date{first}
		if last.Month != first.Month {
			months = append(months, last)
		}
		for i, m := range months {
			_, body := e.site().get(base + "?month=" + monthParam(m))
			prev, next := strings.Contains(body, `rel="prev"`), strings.Contains(body, `rel="next"`)
			if prev != (i > 0) || next != (i < len(months)-1) {
				t.Errorf("month navigation of %s: prev %v, next %v", monthParam(m), prev, next)
			}
			if i < len(months)-1 && !strings.Contains(body, `href="`+base+`?month=`+monthParam(months[i+1])+`"`) {
				t.Errorf("%s does not link to %s", monthParam(m), monthParam(months[i+1]))
			}
		}
		// A month outside the window shows the nearest inside it.
		if _, body = e.site().get(base + "?month=" + monthParam(w.Day(190))); !strings.Contains(body, "<caption>"+monthTitle("pl", last)+"</caption>") {
			t.Error("a month past the window is not kept inside it")
		}
		// English and Ukrainian plural forms.
		if got := cell("en", w.Day(3)); got != "free|"+link(3)+"| ("+longDate("en", w.Day(3))+") 2 free places" || !strings.Contains(cell("en", w.Day(1)), "no free places") {
			t.Errorf("English calendar: %q %q", got, cell("en", w.Day(1)))
		}
		if !strings.HasSuffix(cell("uk", w.Day(2)), "1 вільне місце") || !strings.HasSuffix(cell("uk", w.Day(3)), "2 вільні місця") {
			t.Errorf("Ukrainian calendar: %q %q", cell("uk", w.Day(2)), cell("uk", w.Day(3)))
		}
		// The full day offers no time; the day with a seat offers one.
		_, body = e.site().get(link(1))
		if strings.Contains(body, `type="radio"`) || strings.Contains(body, `id="choose-time"`) || !strings.Contains(body, "Brak wolnych miejsc") {
			t.Errorf("full day: %s", body)
		}
		_, body = e.site().get(link(2))
		if n := strings.Count(body, `type="radio"`); n != 2 || strings.Count(body, " disabled>") != 1 || !strings.Contains(body, "zajęte") {
			t.Errorf("day with one free time: %d radios: %s", n, body)
		}
	})
}

// Managing a booking without JavaScript: find it by code and PESEL, cancel
// it with a POST; the e-mail's cancel link never cancels on GET; cancel by
// PESEL, matter and day.
func TestSiteManageAndCancel(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		serviceID, slot := e.firstFreeSlot()
		b := e.bookOne(serviceID, slot.Start, validPESEL)
		code := booking.FormatCode(b.Code)
		sc := e.site()
		sc.get("/rezerwacja")
		resp, body := sc.post("/rezerwacja", url.Values{"code": {strings.ToLower(b.Code)}, "pesel": {"02070803628"}})
		wantPage(t, resp, body, 404)
		if !strings.Contains(body, "Nie znaleziono rezerwacji o tym kodzie i numerze PESEL.") || !strings.Contains(body, `value="`+strings.ToLower(b.Code)+`"`) {
			t.Errorf("wrong PESEL: %s", body)
		}
		resp, body = sc.post("/rezerwacja", url.Values{"code": {"AB"}, "pesel": {""}})
		wantPage(t, resp, body, 422)
		if !strings.Contains(body, "Kod rezerwacji ma 8 znaków") || !strings.Contains(body, `href="#code"`) || !strings.Contains(body, `href="#pesel"`) {
			t.Errorf("malformed code: %s", body)
		}
		resp, body = sc.post("/rezerwacja", url.Values{"code": {code}, "pesel": {validPESEL}})
		wantPage(t, resp, body, 200)
		if !strings.Contains(body, code) || !strings.Contains(body, `action="/rezerwacja/`+code+`/odwolaj"`) || !strings.Contains(body, `name="pesel" value="`+validPESEL+`"`) {
			t.Fatalf("found booking: %s", body)
		}
		// The e-mail's link shows a button; following it cancels nothing.
		resp, body = sc.get("/rezerwacja/" + code + "/odwolaj")
		wantPage(t, resp, body, 200)
		if !strings.Contains(body, `id="cancel-submit"`) || !strings.Contains(body, `method="post"`) {
			t.Errorf("cancel page: %s", body)
		}
		if got, _ := e.bookings.Get(context.Background(), b.Code); got.Status != booking.StatusBooked {
			t.Fatal("a GET cancelled")
		}
		resp, body = sc.post("/rezerwacja/"+code+"/odwolaj", url.Values{"pesel": {"02070803628"}})
		wantPage(t, resp, body, 404)
		if !strings.Contains(body, `id="pesel-error"`) && !strings.Contains(body, "Nie znaleziono rezerwacji") {
			t.Errorf("cancel with a wrong PESEL: %s", body)
		}
		summaryReadOnce(t, "the refused cancel", body)
		resp, _ = sc.post("/rezerwacja/"+code+"/odwolaj", url.Values{"pesel": {validPESEL}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/rezerwacja/"+code+"?odwolano=1" {
			t.Fatalf("cancel: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if got, _ := e.bookings.Get(context.Background(), b.Code); got.Status != booking.StatusCancelled {
			t.Fatalf("status %s after cancelling", got.Status)
		}
		_, body = sc.get("/rezerwacja/" + code + "?odwolano=1")
		if !strings.Contains(body, "Wizyta "+code+" została odwołana.") || !strings.Contains(body, "odwołana") {
			t.Errorf("after cancelling: %s", body)
		}
		_, body = sc.get("/rezerwacja/" + code + "/odwolaj")
		if strings.Contains(body, `id="cancel-submit"`) || !strings.Contains(body, "Ta wizyta została już odwołana.") {
			t.Errorf("cancel page of a cancelled booking: %s", body)
		}
		// By PESEL, matter and day.
		b2 := e.bookOne(serviceID, slot.Start, validPESEL)
		resp, body = sc.post("/odwolaj", url.Values{"pesel": {validPESEL}, "service_id": {""}, "date": {"24.13.2026"}})
		wantPage(t, resp, body, 422)
		if !strings.Contains(body, "Wybierz sprawę.") || !strings.Contains(body, "Wpisz datę, na przykład 24.11.2026.") {
			t.Errorf("cancel by day without a matter: %s", body)
		}
		summaryReadOnce(t, "the refused cancel by day", body)
		resp, body = sc.post("/odwolaj", url.Values{"pesel": {validPESEL}, "service_id": {strconv.FormatInt(serviceID, 10)}, "date": {e.week.Date(2)}})
		wantPage(t, resp, body, 404)
		if !strings.Contains(body, "Nie znaleziono rezerwacji na ten numer PESEL w tej sprawie w tym dniu.") || !strings.Contains(body, `value="`+e.week.Date(2)+`"`) {
			t.Errorf("cancel by day, wrong day: %s", body)
		}
		resp, _ = sc.post("/odwolaj", url.Values{"pesel": {validPESEL}, "service_id": {strconv.FormatInt(serviceID, 10)}, "date": {e.week.Day(1).In(time.UTC, 0).Format("02.01.2006")}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/rezerwacja/"+booking.FormatCode(b2.Code)+"?odwolano=1" {
			t.Fatalf("cancel by day: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if got, _ := e.bookings.Get(context.Background(), b2.Code); got.Status != booking.StatusCancelled {
			t.Fatalf("status %s after cancelling by day", got.Status)
		}
	})
}

// summaryReadOnce fails the test unless body's error summary follows the
// page's only h1 and is no live region (it takes the focus instead: a
// role="alert" on it as well made screen readers read it twice).
func summaryReadOnce(t *testing.T, what, body string) {
	t.Helper()
	h1, sum := strings.Index(body, "<h1"), strings.Index(body, `id="error-summary"`)
	if sum < 0 || h1 < 0 || h1 > sum || strings.Count(body, "<h1") != 1 {
		t.Errorf("%s: the error summary (at %d) is not after the page's one h1 (at %d)", what, sum, h1)
		return
	}
	tag := body[strings.LastIndex(body[:sum], "<"):]
	if tag = tag[:strings.Index(tag, ">")]; strings.Contains(tag, "role=") || strings.Contains(tag, "aria-live") {
		t.Errorf("%s: the error summary is a live region as well: %s>", what, tag)
	}
}

// The old start page's links to the other surfaces live on in the footer.
func TestSiteFooterLinks(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	_, body := e.site().get("/")
	for _, href := range []string{"/clerk", "/display", "/kiosk", "/api/openapi.yaml", "/api/v1/departments"} {
		if !strings.Contains(body, `href="`+href+`"`) {
			t.Errorf("no link to %s", href)
		}
	}
	if _, err := os.Stat("static/site.css"); err != nil {
		t.Fatal(err)
	}
	if resp, _ := e.do("GET", "/static/site.css", nil); resp.StatusCode != 200 {
		t.Fatalf("site.css: %d", resp.StatusCode)
	}
}
