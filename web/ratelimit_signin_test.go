package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/okienko/okienko/auth/oidc"
	"github.com/okienko/okienko/auth/oidc/oidctest"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web"
)

// wantTooMany checks a 429 with a Retry-After of whole seconds within the
// window.
func wantTooMany(t *testing.T, what string, resp *http.Response, body string, window time.Duration) {
	t.Helper()
	ra, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != http.StatusTooManyRequests || err != nil || ra < 1 || ra > int(window/time.Second) {
		t.Fatalf("%s past the limit: %d, Retry-After %q: %.200s", what, resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

// The OpenID provider's callback and the start of a trusted-profile
// sign-in are rate-limited per client address: past the limit, 429 with
// Retry-After, and other routes still answer.
func TestSignInThroughProvidersRateLimited(t *testing.T) {
	limits := generous
	limits.SignIn = web.Limit{Max: 2, Window: time.Minute}

	t.Run("oidc callback", func(t *testing.T) {
		base := "http://okienko.test"
		op := oidctest.Start(t, base+oidc.CallbackPath)
		rp, err := oidc.New(oidc.Config{Issuer: op.URL, ClientID: oidctest.ClientID, ClientSecret: oidctest.ClientSecret,
			RedirectURL: base + oidc.CallbackPath, Key: oidc.KeyOf("test-secret")})
		if err != nil {
			t.Fatal(err)
		}
		e := newEnvTuned(t, databasetest.SQLite(t), limits, func(d *web.Deps) { d.BaseURL, d.Redirector = base, rp })
		for i := range 2 {
			if resp, body := e.do("GET", "/auth/oidc/callback?code=guess&state=guess", nil); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("callback %d: %d %s", i+1, resp.StatusCode, body)
			}
		}
		resp, body := e.do("GET", "/auth/oidc/callback?code=guess&state=guess", nil)
		wantTooMany(t, "the callback", resp, string(body), time.Minute)
		if resp, body := e.do("GET", "/auth/oidc/start?next=/clerk", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("the start after the limit: %d %s", resp.StatusCode, body)
		}
		e.clock.Advance(time.Minute)
		if resp, body := e.do("GET", "/auth/oidc/callback?code=guess&state=guess", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("the callback after the window: %d %s", resp.StatusCode, body)
		}
	})

	t.Run("saml login", func(t *testing.T) {
		e, _ := newTrustedEnv(t, databasetest.SQLite(t), "http://okienko.test", func(d *web.Deps) { d.RateLimits = limits })
		sc := e.site()
		serviceID, slot := e.firstFreeSlot()
		form := fmt.Sprintf("/sprawy/%d/rezerwacja?start=%s", serviceID, url.QueryEscape(slot.Start.Format(time.RFC3339)))
		sc.get(form) // the CSRF cookie
		for i := range 2 {
			if resp, page := sc.post("/saml/login", url.Values{"return_to": {form}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign-in %d: %d %.200s", i+1, resp.StatusCode, page)
			}
		}
		resp, page := sc.post("/saml/login", url.Values{"return_to": {form}})
		wantTooMany(t, "the trusted-profile sign-in", resp, page, time.Minute)
		if resp, _ := e.do("GET", "/saml/metadata", nil); resp.StatusCode != 200 {
			t.Fatalf("the metadata after the limit: %d", resp.StatusCode)
		}
	})
}
