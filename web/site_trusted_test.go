package web_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/okienko/okienko/auth"
	"github.com/okienko/okienko/auth/trusted"
	"github.com/okienko/okienko/auth/trusted/trustedtest"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web"
	"github.com/okienko/okienko/web/browsertest"
)

// trustedResident is who the test identity provider signs in.
var trustedResident = trustedtest.Resident{GivenName: "Anna", FamilyName: "Kowalska", PESEL: "85010112345"}

// newTrustedEnv is an env whose server, at base, signs residents in with
// the trusted profile of a test identity provider on the env's clock.
func newTrustedEnv(t *testing.T, db *gorm.DB, base string, tune ...func(*web.Deps)) (*env, *trustedtest.IdP) {
	t.Helper()
	var idp *trustedtest.IdP
	e := newEnvTuned(t, db, generous, func(d *web.Deps) {
		idp = trustedtest.New(t, d.Clock, trustedResident)
		p, err := trusted.New(d.DB, d.Clock, trusted.Config{IDPMetadata: idp.Metadata, KeyPEM: idp.SPKeyPEM, CertPEM: idp.SPCertPEM, BaseURL: base})
		if err != nil {
			t.Fatal(err)
		}
		md, err := p.Metadata()
		if err != nil {
			t.Fatal(err)
		}
		idp.Trust(t, md)
		d.BaseURL, d.Residents, d.ResidentSeal = base, p, auth.NewResidentSeal("test-secret", d.Clock)
		for _, f := range tune {
			f(d)
		}
	})
	return e, idp
}

// latestBooking is the booking made last.
func (e *env) latestBooking() *booking.Booking {
	e.t.Helper()
	var b booking.Booking
	if err := e.db.Order("id DESC").First(&b).Error; err != nil {
		e.t.Fatal(err)
	}
	return &b
}

// TestSiteTrustedProfile: the booking form offers the trusted profile; the
// identity provider's answer signs the resident in once; the form then
// shows their name and masked PESEL without a PESEL field, and the booking
// carries the profile's PESEL, verified, whatever the form says. A forged
// cookie or a form's own claim verifies nothing.
func TestSiteTrustedProfile(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e, idp := newTrustedEnv(t, db, "http://okienko.test")
		serviceID, slot := e.firstFreeSlot()
		formPath := fmt.Sprintf("/sprawy/%d/rezerwacja?start=%s", serviceID, url.QueryEscape(slot.Start.Format(time.RFC3339)))
		sc := e.site()
		resp, body := sc.get(formPath)
		wantPage(t, resp, body, 200)
		if !strings.Contains(body, `id="trusted-sign-in"`) || !strings.Contains(body, "Zaloguj przez profil zaufany") || !strings.Contains(body, `name="pesel"`) {
			t.Fatalf("the form offers no trusted profile sign-in, or lacks the PESEL field:\n%s", body)
		}
		resp, _ = sc.post("/saml/login", url.Values{"return_to": {formPath}})
		redirect := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(redirect, idp.Server.URL+"/sso?SAMLRequest=") {
			t.Fatalf("sign-in: %d to %q", resp.StatusCode, redirect)
		}
		samlResp, relay := idp.Answer(t, redirect)
		acs := url.Values{"SAMLResponse": {samlResp}, "RelayState": {relay}}
		resp, _ = sc.send("POST", "/saml/acs", acs.Encode(), "Content-Type", "application/x-www-form-urlencoded")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != formPath {
			t.Fatalf("ACS: %d to %q, want 303 to %s", resp.StatusCode, resp.Header.Get("Location"), formPath)
		}
		cookie := sc.cookies["profil_zaufany"]
		if cookie == nil || !cookie.HttpOnly || cookie.MaxAge != int(auth.ResidentTTL.Seconds()) || !cookie.Expires.IsZero() || strings.Contains(strings.ToLower(resp.Header.Get("Set-Cookie")), "expires=") {
			t.Fatalf("the trusted cookie: %+v (%s)", cookie, resp.Header.Get("Set-Cookie"))
		}
		// The same answer again is refused.
		resp, body = e.site().send("POST", "/saml/acs", acs.Encode(), "Content-Type", "application/x-www-form-urlencoded")
		wantPage(t, resp, body, 401)
		if !strings.Contains(body, "Nie udało się zalogować profilem zaufanym") {
			t.Errorf("a replayed answer's page: %s", body)
		}

		resp, body = sc.get(formPath)
		wantPage(t, resp, body, 200)
		for _, want := range []string{`id="trusted-who"`, "Anna Kowalska", `value="Anna Kowalska"`, `id="pesel-masked">•••••••2345<`, `id="trusted-sign-out"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the signed-in form lacks %s", want)
			}
		}
		if strings.Contains(body, `name="pesel"`) || strings.Contains(body, "85010112345") {
			t.Errorf("the signed-in form has a PESEL field or the whole PESEL")
		}
		// A PESEL smuggled into the form changes nothing.
		form := url.Values{"start": {slot.Start.Format(time.RFC3339)}, "name": {"Anna Kowalska"}, "pesel": {validPESEL},
			"email": {"anna@example.pl"}, "consent": {"1"}}
		resp, body = sc.post(formPath, form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("booking: %d %s", resp.StatusCode, body)
		}
		b := e.latestBooking()
		if !b.PESELVerified || *b.PESELLast4 != "2345" {
			t.Fatalf("booked with PESEL …%s, verified %v; want the profile's, verified", *b.PESELLast4, b.PESELVerified)
		}
		resp, out := e.do("GET", "/api/v1/bookings/"+b.Code, nil)
		if resp.StatusCode != 200 || !strings.Contains(string(out), `"pesel_verified":true`) {
			t.Fatalf("the booking's view: %d %s", resp.StatusCode, out)
		}

		// A forged cookie and a form claiming verification: a typed PESEL,
		// not verified.
		forger := e.site("Cookie", "profil_zaufany="+strings.Repeat("A", 120))
		forger.get(formPath)
		_, slot2 := e.firstFreeSlot()
		form = url.Values{"start": {slot2.Start.Format(time.RFC3339)}, "name": {"Ewa Nowak"}, "pesel": {validPESEL},
			"email": {"ewa@example.pl"}, "consent": {"1"}, "pesel_verified": {"1"}}
		resp, body = forger.post(fmt.Sprintf("/sprawy/%d/rezerwacja?start=%s", serviceID, url.QueryEscape(slot2.Start.Format(time.RFC3339))), form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("booking with a forged cookie: %d %s", resp.StatusCode, body)
		}
		if b := e.latestBooking(); b.PESELVerified || *b.PESELLast4 != validPESEL[7:] {
			t.Fatalf("a forged cookie booked PESEL …%s, verified %v", *b.PESELLast4, b.PESELVerified)
		}

		// The sign-in serves the booking flow for ResidentTTL only.
		e.clock.Advance(auth.ResidentTTL)
		_, body = sc.get(formPath)
		if !strings.Contains(body, `id="trusted-sign-in"`) || !strings.Contains(body, `name="pesel"`) {
			t.Errorf("the sign-in still counts after %v", auth.ResidentTTL)
		}
	})
}

func TestSiteTrustedProfileEndpoints(t *testing.T) {
	e, _ := newTrustedEnv(t, databasetest.SQLite(t), "http://okienko.test")
	resp, body := e.do("GET", "/saml/metadata", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/samlmetadata+xml" || !strings.Contains(string(body), `Location="http://okienko.test/saml/acs"`) {
		t.Fatalf("metadata: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	sc := e.site()
	serviceID, slot := e.firstFreeSlot()
	sc.get(fmt.Sprintf("/sprawy/%d/rezerwacja?start=%s", serviceID, url.QueryEscape(slot.Start.Format(time.RFC3339)))) // the CSRF cookie
	// Only paths of this site are gone back to.
	resp, page := sc.post("/saml/login", url.Values{"return_to": {"https://evil.example/"}})
	if resp.StatusCode != 422 {
		t.Errorf("sign-in back to another site: %d %s", resp.StatusCode, page)
	}
	// An answer nobody asked for.
	resp, page = sc.send("POST", "/saml/acs", url.Values{"SAMLResponse": {"PHNhbWxwOlJlc3BvbnNlLz4="}, "RelayState": {"id-0"}}.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	wantPage(t, resp, page, 401)
	resp, _ = sc.post("/saml/logout", url.Values{"return_to": {"//evil.example/"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Errorf("sign-out: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Without the trusted profile none of this exists.
	plain := newEnv(t, databasetest.SQLite(t))
	if resp, _ := plain.do("GET", "/saml/metadata", nil); resp.StatusCode != 404 {
		t.Errorf("metadata without the trusted profile: %d", resp.StatusCode)
	}
	serviceID, slot = plain.firstFreeSlot()
	_, form := plain.site().get(fmt.Sprintf("/sprawy/%d/rezerwacja?start=%s", serviceID, url.QueryEscape(slot.Start.Format(time.RFC3339))))
	if strings.Contains(form, "trusted-sign-in") {
		t.Error("the form offers the trusted profile when it is off")
	}
}

// TestSiteBrowserTrustedProfile: in Chromium, a resident on the booking
// form clicks "Zaloguj przez profil zaufany", a real SAML identity provider
// (on its own socket, on the server's clock) signs them in and posts its
// answer back, the form shows their name and masked PESEL without a PESEL
// field, and the visit they book is pesel_verified. The form passes axe in
// each language, before and after the sign-in.
func TestSiteBrowserTrustedProfile(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	e, _ := newTrustedEnv(t, databasetest.SQLite(t), base)
	go func() { _ = e.srv.Listen(ln) }()
	t.Cleanup(func() { _ = e.srv.App().Shutdown() })
	b := &siteBrowser{t: t, ctx: browsertest.New(t, 1280, 900), base: base}

	serviceID, slot := e.firstFreeSlot()
	formPath := fmt.Sprintf("/sprawy/%d/rezerwacja?start=%s", serviceID, url.QueryEscape(slot.Start.Format(time.RFC3339)))
	for lang, button := range map[string]string{"en": "Sign in with the trusted profile", "uk": "Увійти через довірений профіль", "pl": "Zaloguj przez profil zaufany"} {
		b.open(formPath+"&lang="+lang, 200)
		if got := b.text(`document.getElementById('trusted-sign-in').textContent`); got != button {
			t.Errorf("%s: the sign-in button says %q", lang, got)
		}
		browsertest.RequireNoSeriousViolations(t, b.ctx, "the booking form offering the trusted profile ("+lang+")")
	}
	b.open(formPath+"&lang=pl", 200)
	b.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('trusted-sign-in').click()`))
	// The page goes to the identity provider, whose form posts back:
	// polls interrupted by those navigations are asked again.
	for deadline := time.Now().Add(20 * time.Second); ; {
		ok, err := chromedp.Run(b.ctx, chromedp.Poll[bool](`!!document.getElementById('trusted-who') && location.pathname.endsWith('/rezerwacja')`, chromedp.WithPollingTimeout(5*time.Second)))
		if err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not signed in (%v): at %s: %s", err, b.text(`location.href`), b.text(`document.body.innerText.slice(0, 300)`))
		}
	}
	if who := b.text(`document.getElementById('trusted-who').textContent`); !strings.Contains(who, "Anna Kowalska") {
		t.Errorf("signed in as %q", who)
	}
	if name := b.text(`document.getElementById('name').value`); name != "Anna Kowalska" {
		t.Errorf("the name field holds %q", name)
	}
	if masked := b.text(`document.getElementById('pesel-masked').textContent`); masked != "•••••••2345" {
		t.Errorf("the PESEL shows as %q", masked)
	}
	if b.is(`!!document.querySelector('input[name=pesel]')`) {
		t.Error("the signed-in form has a PESEL field")
	}
	browsertest.RequireNoSeriousViolations(t, b.ctx, "the booking form signed in with the trusted profile")
	b.do(
		chromedp.SetValue(chromedp.CSS("#email"), "anna@example.pl"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('consent').checked = true`),
	)
	b.navigate("the confirmation", 200, chromedp.Evaluate[chromedp.Void](`document.getElementById('book-submit').click()`))
	code := b.text(`document.getElementById('booking-code').textContent`)
	got, err := e.bookings.Get(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	if !got.PESELVerified || *got.PESELLast4 != "2345" || *got.Name != "Anna Kowalska" {
		t.Fatalf("booked %s for %s …%s, verified %v", code, *got.Name, *got.PESELLast4, got.PESELVerified)
	}
}
