package oidc_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth"
	"github.com/okienko/okienko/auth/oidc"
	"github.com/okienko/okienko/auth/oidc/oidctest"
)

const redirect = "http://okienko.test" + oidc.CallbackPath

type rig struct {
	op     *oidctest.Provider
	rp     *oidc.Provider
	client *http.Client
}

func newRig(t *testing.T) *rig {
	t.Helper()
	op := oidctest.Start(t, redirect)
	rp, err := oidc.New(oidc.Config{Issuer: op.URL, ClientID: oidctest.ClientID, ClientSecret: oidctest.ClientSecret,
		RedirectURL: redirect, Key: oidc.KeyOf("test secret")})
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	return &rig{op: op, rp: rp, client: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

// signIn begins a sign-in returning to next, signs name in at the
// provider and finishes with the provider's answer.
func (r *rig) signIn(t *testing.T, name, next string) (*auth.Identity, string, error) {
	t.Helper()
	return r.signInThen(t, name, next, func() {})
}

// signInThen is signIn calling between before exchanging the code.
func (r *rig) signInThen(t *testing.T, name, next string, between func()) (*auth.Identity, string, error) {
	t.Helper()
	to, pending, err := r.rp.Begin(context.Background(), next)
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	back := r.op.SignIn(t, r.client, to, name, oidctest.Password)
	if got := back.Scheme + "://" + back.Host + back.Path; got != redirect {
		t.Fatalf("the provider sent the browser to %s, want %s", got, redirect)
	}
	between()
	return r.rp.Finish(context.Background(), pending, back.Query())
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if okienko.ErrorCode(err) != code {
		t.Fatalf("error %v, want code %s", err, code)
	}
}

// The authorization goes out with PKCE (S256), state and nonce, and the
// person comes back with the role the role claim grants; the userinfo
// endpoint fills in what the ID token lacks.
func TestSignIn(t *testing.T) {
	r := newRig(t)
	to, _, err := r.rp.Begin(context.Background(), "/clerk")
	if err != nil {
		t.Fatal(err)
	}
	q := mustURL(t, to).Query()
	if q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 || q.Get("state") == "" || q.Get("nonce") == "" ||
		q.Get("client_id") != oidctest.ClientID || q.Get("redirect_uri") != redirect || !strings.Contains(q.Get("scope"), "openid") {
		t.Fatalf("authorization request %v", q)
	}

	for _, inToken := range []bool{false, true} {
		r.op.ClaimsInToken(inToken)
		r.op.SetRoles(oidctest.User1Subject, "staff", "okienko-clerk")
		id, next, err := r.signIn(t, r.op.User1(), "/clerk?lang=en")
		if err != nil {
			t.Fatalf("claims in token %v: %v", inToken, err)
		}
		want := auth.Identity{Source: "oidc", Subject: oidctest.User1Subject, Username: "test-user", DisplayName: "Test User", Role: okienko.RoleClerk}
		if *id != want || next != "/clerk?lang=en" {
			t.Fatalf("claims in token %v: %+v → %q, want %+v → /clerk?lang=en", inToken, *id, next, want)
		}
	}
}

// The role claim's values map to roles: admin wins, none grants nothing.
func TestRoleClaim(t *testing.T) {
	r := newRig(t)
	for _, tc := range []struct {
		values []string
		want   string
	}{
		{[]string{"okienko-admin"}, okienko.RoleAdmin},
		{[]string{"okienko-clerk", "okienko-admin"}, okienko.RoleAdmin},
		{[]string{"okienko-clerk"}, okienko.RoleClerk},
		{[]string{"staff"}, ""},
		{nil, ""},
	} {
		r.op.SetRoles(oidctest.User2Subject, tc.values...)
		id, _, err := r.signIn(t, oidctest.User2, "/admin")
		if err != nil {
			t.Fatalf("%v: %v", tc.values, err)
		}
		if id.Role != tc.want || id.Username != "test-user2" {
			t.Fatalf("%v: identity %+v, want role %q", tc.values, *id, tc.want)
		}
	}
}

// Tokens the relying party must not trust are refused: for another client,
// expired, with another nonce.
func TestUntrustedTokens(t *testing.T) {
	r := newRig(t)
	r.op.SetRoles(oidctest.User2Subject, "okienko-admin")
	for _, tc := range []struct {
		name string
		knob func(bool)
		why  string
	}{
		{"wrong audience", r.op.WrongAudience, "audience"},
		{"expired", r.op.Expired, "expired"},
		{"another nonce", r.op.ForgeNonce, "nonce"},
	} {
		id, next, err := r.signInThen(t, oidctest.User2, "/admin", func() { tc.knob(true) })
		tc.knob(false)
		wantCode(t, err, okienko.EUNAUTHORIZED)
		if id != nil || next != "/admin" || !strings.Contains(err.Error(), tc.why) || errors.Is(err, auth.ErrSignInInterrupted) {
			t.Fatalf("%s: identity %v, next %q, error %v", tc.name, id, next, err)
		}
	}
	// The provider behaves again: the same person signs in.
	if _, _, err := r.signIn(t, oidctest.User2, "/admin"); err != nil {
		t.Fatal(err)
	}
}

// An answer that doesn't belong to the pending sign-in is refused as
// interrupted: another state, no or a forged pending value, an old one.
func TestInterrupted(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	to1, pending1, _ := r.rp.Begin(ctx, "/clerk")
	_, pending2, _ := r.rp.Begin(ctx, "/clerk")
	back := r.op.SignIn(t, r.client, to1, oidctest.User2, oidctest.Password)

	_, _, err := r.rp.Finish(ctx, pending2, back.Query())
	if !errors.Is(err, auth.ErrSignInInterrupted) || !strings.Contains(err.Error(), "state") {
		t.Fatalf("another state: %v", err)
	}
	flip := byte('A')
	if pending1[10] == 'A' {
		flip = 'B'
	}
	forged := pending1[:10] + string(flip) + pending1[11:]
	// The same sign-in sealed under another server's secret.
	other, _ := oidc.New(oidc.Config{Issuer: r.op.URL, ClientID: oidctest.ClientID, RedirectURL: redirect, Key: oidc.KeyOf("another secret")})
	_, elsewhere, _ := other.Begin(ctx, "/clerk")
	for _, p := range []string{"", "junk", forged, elsewhere} {
		_, _, err := r.rp.Finish(ctx, p, back.Query())
		if wantCode(t, err, okienko.EUNAUTHORIZED); !errors.Is(err, auth.ErrSignInInterrupted) {
			t.Fatalf("pending %q: %v", p, err)
		}
	}
	// A pending sign-in of an hour ago has expired (PendingTTL), on the
	// same time the provider's tokens are checked against.
	late, _ := oidc.New(oidc.Config{Issuer: r.op.URL, ClientID: oidctest.ClientID, RedirectURL: redirect, Key: oidc.KeyOf("test secret"),
		Now: func() time.Time { return time.Now().Add(time.Hour) }})
	if _, _, err := late.Finish(ctx, pending1, back.Query()); !errors.Is(err, auth.ErrSignInInterrupted) || !strings.Contains(err.Error(), "old") {
		t.Fatalf("an hour later: %v", err)
	}
	// The right pending value still finishes the sign-in.
	r.op.SetRoles(oidctest.User2Subject, "okienko-clerk")
	if id, _, err := r.rp.Finish(ctx, pending1, back.Query()); err != nil || id.Role != okienko.RoleClerk {
		t.Fatalf("the right pending: %v, %v", id, err)
	}
	// The provider's refusal is told apart from a broken answer.
	q := url.Values{"state": {mustURL(t, to1).Query().Get("state")}, "error": {"access_denied"}}
	if _, _, err := r.rp.Finish(ctx, pending1, q); okienko.ErrorCode(err) != okienko.EUNAUTHORIZED || errors.Is(err, auth.ErrSignInInterrupted) || !strings.Contains(err.Error(), "access_denied") {
		t.Fatalf("access denied: %v", err)
	}
}

// A provider that can't be reached is EUNAVAILABLE, and found once it is up.
func TestUnavailable(t *testing.T) {
	rp, err := oidc.New(oidc.Config{Issuer: "http://127.0.0.1:1", ClientID: "x", RedirectURL: redirect, Key: oidc.KeyOf("s")})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = rp.Begin(context.Background(), "/clerk")
	wantCode(t, err, okienko.EUNAVAILABLE)

	if _, err := oidc.New(oidc.Config{Issuer: "ftp://x", RedirectURL: "/cb", Key: []byte("short")}); okienko.ErrorCode(err) != okienko.EINVALID ||
		!strings.Contains(err.Error(), "issuer") || !strings.Contains(err.Error(), "client_id") || !strings.Contains(err.Error(), "key") || !strings.Contains(err.Error(), "redirect_url") {
		t.Fatalf("bad config: %v", err)
	}
}

func TestUsername(t *testing.T) {
	for in, want := range map[string]string{
		"ANowak@urzad.gov.pl":          "anowak",
		"jan.kowalski":                 "jan.kowalski",
		"Łukasz Żółć":                  "lukasz-zolc",
		" x ":                          "x",
		strings.Repeat("a", 80) + "@x": strings.Repeat("a", auth.MaxUsernameLength),
	} {
		if got := oidc.Username(in); got != want {
			t.Errorf("Username(%q) = %q, want %q", in, got, want)
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
