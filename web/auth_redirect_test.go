package web_test

import (
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/okienko/okienko/auth/oidc"
	"github.com/okienko/okienko/auth/oidc/oidctest"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web"
	"github.com/okienko/okienko/web/browsertest"
)

// oidcEnv is a server on a socket whose staff may sign in through a real
// OpenID provider running in the test.
type oidcEnv struct {
	*env
	base string
	op   *oidctest.Provider
}

// newOIDCEnv starts the provider, then the server with it, on db.
func newOIDCEnv(t *testing.T, db *gorm.DB) *oidcEnv {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	op := oidctest.Start(t, base+oidc.CallbackPath)
	rp, err := oidc.New(oidc.Config{Issuer: op.URL, ClientID: oidctest.ClientID, ClientSecret: oidctest.ClientSecret,
		RedirectURL: base + oidc.CallbackPath, Key: oidc.KeyOf("test-secret")})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvTuned(t, db, generous, func(d *web.Deps) {
		d.BaseURL = base
		d.Redirector = rp
	})
	go func() { _ = e.srv.Listen(ln) }()
	t.Cleanup(func() { _ = e.srv.App().Shutdown() })
	return &oidcEnv{env: e, base: base, op: op}
}

// browser is an HTTP client with its own cookies.
func browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second}
}

// signIn starts a sign-in for page in b, signs name in at the provider, and
// follows the provider's redirect back to the page Okienko sends b to.
func (o *oidcEnv) signIn(t *testing.T, b *http.Client, page, name string) *url.URL {
	t.Helper()
	back := o.op.SignIn(t, b, o.base+"/auth/oidc/start?next="+url.QueryEscape(page), name, oidctest.Password)
	return o.follow(t, b, back.String())
}

// follow gets u in b, following redirects, and returns where b ended up.
func (o *oidcEnv) follow(t *testing.T, b *http.Client, u string) *url.URL {
	t.Helper()
	resp, err := b.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s ended %d at %s", u, resp.StatusCode, resp.Request.URL)
	}
	return resp.Request.URL
}

// get sends GET path in b and returns the status and body.
func (o *oidcEnv) get(t *testing.T, b *http.Client, path string) (int, string) {
	t.Helper()
	resp, err := b.Get(o.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func wantLanded(t *testing.T, at *url.URL, path, signinError string) {
	t.Helper()
	if at.Path != path || at.Query().Get("signin_error") != signinError {
		t.Fatalf("landed on %s, want %s with signin_error=%q", at, path, signinError)
	}
}

// Staff sign in through the office's OpenID provider (code flow with PKCE)
// and work with the session cookie a password gives; the role claim
// decides the role, and what can't be trusted is refused back on the page
// the sign-in began, told why.
func TestSignInThroughProvider(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		o := newOIDCEnv(t, db)

		// The sign-in pages show the provider's button.
		for _, page := range []string{"/clerk", "/admin"} {
			_, body := o.get(t, browser(), page)
			if !strings.Contains(body, `href="/auth/oidc/start?next=%2F`+page[1:]+`"`) || !strings.Contains(body, "Zaloguj przez konto urzędu") {
				t.Fatalf("%s lacks the provider's button", page)
			}
		}

		// The pending sign-in's cookie: HttpOnly, Lax, for the provider's
		// paths, with a Max-Age and no Expires.
		noFollow := browser()
		noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := noFollow.Get(o.base + "/auth/oidc/start?next=/clerk")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cookie := resp.Header.Get("Set-Cookie")
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, o.op.URL+"/auth?") {
			t.Fatalf("start answered %d to %s", resp.StatusCode, loc)
		}
		for _, want := range []string{"okienko_signin=", "max-age=600", "path=/auth/oidc/", "httponly", "samesite=lax"} {
			if !strings.Contains(strings.ToLower(cookie), want) || strings.Contains(strings.ToLower(cookie), "expires") {
				t.Fatalf("pending cookie %q, want %s and no Expires", cookie, want)
			}
		}

		// A clerk signs in and works: the session cookie is the staff's.
		o.op.SetRoles(oidctest.User1Subject, "okienko-clerk")
		clerk := browser()
		wantLanded(t, o.signIn(t, clerk, "/clerk?lang=en", o.op.User1()), "/clerk", "")
		if status, body := o.get(t, clerk, "/api/v1/auth/me"); status != 200 || !strings.Contains(body, `"username":"test-user"`) || !strings.Contains(body, `"role":"clerk"`) {
			t.Fatalf("me after the sign-in: %d %s", status, body)
		}
		if status, _ := o.get(t, clerk, "/api/v1/counters"); status != 200 {
			t.Fatalf("the clerk's counters: %d", status)
		}
		if status, _ := o.get(t, clerk, "/api/v1/admin/users"); status != 403 {
			t.Fatalf("a clerk reached the admin API: %d", status)
		}
		var sources []string
		o.db.Raw("SELECT source FROM users WHERE username = ?", "test-user").Scan(&sources)
		if len(sources) != 1 || sources[0] != "oidc" {
			t.Fatalf("user sources %v", sources)
		}

		// An administrator by the claim, back on the admin page.
		o.op.SetRoles(oidctest.User2Subject, "okienko-admin")
		admin := browser()
		wantLanded(t, o.signIn(t, admin, "/admin", oidctest.User2), "/admin", "")
		if status, _ := o.get(t, admin, "/api/v1/admin/users"); status != 200 {
			t.Fatalf("the admin API after an admin's sign-in: %d", status)
		}

		// No role: refused, told so on the page, no session.
		o.op.SetRoles(oidctest.User2Subject, "staff")
		nobody := browser()
		wantLanded(t, o.signIn(t, nobody, "/admin", oidctest.User2), "/admin", "forbidden")
		if status, _ := o.get(t, nobody, "/api/v1/auth/me"); status != 401 {
			t.Fatalf("me after a refused sign-in: %d", status)
		}

		// Tokens that can't be trusted: another client's, expired, another
		// nonce. The provider misbehaves between its sign-in and the code's
		// exchange.
		o.op.SetRoles(oidctest.User2Subject, "okienko-admin")
		for _, knob := range []func(bool){o.op.WrongAudience, o.op.Expired, o.op.ForgeNonce} {
			b := browser()
			back := o.op.SignIn(t, b, o.base+"/auth/oidc/start?next=/clerk", oidctest.User2, oidctest.Password)
			knob(true)
			at := o.follow(t, b, back.String())
			knob(false)
			wantLanded(t, at, "/clerk", "failed")
			if status, _ := o.get(t, b, "/api/v1/auth/me"); status != 401 {
				t.Fatalf("me after an untrusted token: %d", status)
			}
		}

		// The answer to one sign-in doesn't finish another: a second start
		// in the same browser replaces the pending one. Its next, another
		// site, was not kept.
		b := browser()
		back := o.op.SignIn(t, b, o.base+"/auth/oidc/start?next=/admin", oidctest.User2, oidctest.Password)
		if resp, err := noFollowJar(b).Get(o.base + "/auth/oidc/start?next=" + url.QueryEscape("//evil.example/x")); err != nil {
			t.Fatal(err)
		} else {
			resp.Body.Close()
		}
		wantLanded(t, o.follow(t, b, back.String()), "/clerk", "expired")
		// Without any pending sign-in: the same.
		wantLanded(t, o.follow(t, browser(), back.String()), "/clerk", "expired")
		if status, _ := o.get(t, b, "/api/v1/auth/me"); status != 401 {
			t.Fatalf("me after a state mismatch: %d", status)
		}
	})
}

func noFollowJar(b *http.Client) *http.Client {
	c := *b
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// The provider's routes exist only when it is configured, send the
// browser on (303) and never answer an error page; a provider out of reach
// is told on the sign-in page.
func TestSignInRoutes(t *testing.T) {
	db := databasetest.SQLite(t)
	e := newEnv(t, db)
	for _, path := range []string{"/auth/oidc/start?next=/clerk", "/auth/oidc/callback?code=x&state=y"} {
		if resp, _ := e.do("GET", path, nil); resp.StatusCode != 404 {
			t.Fatalf("%s without a provider: %d", path, resp.StatusCode)
		}
	}
	if _, body := e.do("GET", "/clerk", nil); strings.Contains(string(body), "signin-provider") {
		t.Fatal("the clerk page shows a provider's button without a provider")
	}

	down, err := oidc.New(oidc.Config{Issuer: "http://127.0.0.1:1", ClientID: "okienko", RedirectURL: "http://okienko.test" + oidc.CallbackPath, Key: oidc.KeyOf("s")})
	if err != nil {
		t.Fatal(err)
	}
	e = newEnvTuned(t, db, generous, func(d *web.Deps) { d.Redirector = down })
	resp, _ := e.do("GET", "/auth/oidc/start?next=/admin%3Flang%3Den", nil)
	if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || loc != "/admin?lang=en&signin_error=unavailable" {
		t.Fatalf("start with the provider down: %d to %q", resp.StatusCode, loc)
	}
	resp, _ = e.do("GET", "/auth/oidc/callback?code=x&state=y", nil)
	if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || loc != "/clerk?signin_error=expired" {
		t.Fatalf("callback without a pending sign-in: %d to %q", resp.StatusCode, loc)
	}
	for next, want := range map[string]string{
		"https://evil.example/": "/clerk", "//evil.example": "/clerk", "/\\evil.example": "/clerk", "clerk": "/clerk",
		"/admin#x": "/clerk", "/admin?signin_error=forbidden": "/admin",
	} {
		resp, _ := e.do("GET", "/auth/oidc/start?next="+url.QueryEscape(next), nil)
		if loc := resp.Header.Get("Location"); loc != want+"?signin_error=unavailable" {
			t.Errorf("next %q went to %q, want %s", next, loc, want)
		}
	}
}

// A clerk signs in through the office's provider in a browser, in English
// and in Polish: the sign-in page with the provider's button has no serious
// accessibility violation, the provider's form signs in and the clerk is
// back at work on /clerk; a person without a role is told so in the page's
// language.
func TestBrowserSignInThroughProvider(t *testing.T) {
	o := newOIDCEnv(t, databasetest.SQLite(t))
	o.op.SetRoles(oidctest.User1Subject, "okienko-clerk")
	for _, tc := range []struct{ lang, button, refused string }{
		{"en", "Sign in with the office account", "Your office account has no access to Okienko"},
		{"pl", "Zaloguj przez konto urzędu", "Twoje konto urzędu nie ma dostępu do Okienka"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			p := &tab{t: t, ctx: browsertest.New(t, 1280, 900)}
			p.visit("/clerk", 200, chromedp.Navigate(o.base+"/clerk?lang="+tc.lang))
			p.waitFor("the sign-in form", `!document.getElementById('view-signin').hidden`)
			if got := run(t, p.ctx, chromedp.Evaluate[string](`document.getElementById('signin-provider').textContent.trim()`)); got != tc.button {
				t.Fatalf("the provider's button says %q, want %q", got, tc.button)
			}
			p.axeAt("/clerk signing in with the provider's button", desktop, phone)

			signIn := func(name string) {
				p.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('signin-provider').click()`))
				p.waitFor("the provider's form", `location.href.startsWith(`+jsString(o.op.URL)+`) && !!document.querySelector('input[name=password]')`)
				p.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('input[name=username]').value = ` + jsString(name) + `;
					document.querySelector('input[name=password]').value = ` + jsString(oidctest.Password) + `;
					document.querySelector('form').submit()`))
			}
			// Without a role: refused, told why on the sign-in page.
			signIn(oidctest.User2)
			p.waitFor("the refusal", `location.href.startsWith(`+jsString(o.base+"/clerk")+`) && !document.getElementById('view-signin').hidden && document.getElementById('alert').textContent.includes(`+jsString(tc.refused)+`)`)
			if u := run(t, p.ctx, chromedp.Evaluate[string](`location.search`)); strings.Contains(u, "signin_error") {
				t.Fatalf("the reason stays in the address: %s", u)
			}
			p.axeAt("/clerk refused through the provider", desktop)

			// A clerk: signed in, choosing a counter.
			signIn(o.op.User1())
			p.waitFor("the counters", `location.pathname === '/clerk' && !document.getElementById('view-counters').hidden && document.documentElement.lang === `+jsString(tc.lang))
			if who := run(t, p.ctx, chromedp.Evaluate[string](`document.getElementById('who-name').textContent`)); !strings.Contains(who, "Test User") {
				t.Fatalf("signed in as %q", who)
			}
		})
	}
}
