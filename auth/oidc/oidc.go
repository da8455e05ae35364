// Package oidc signs staff in through the office's OpenID Connect provider
// (Keycloak, Entra ID, ZITADEL, …): a relying party of the authorization
// code flow with PKCE (S256), state and nonce. It implements
// auth.Redirector; the web layer sends the browser to Begin's address and
// gives Finish the provider's answer, and the person Finish returns signs
// in through auth.Store.SignInWith like any other staff member.
//
// Nothing is kept on the server between Begin and Finish: the state, the
// nonce, the PKCE verifier and the page to return to travel in the pending
// value, signed with the server's key, which the web layer keeps in an
// HttpOnly cookie. Several instances sharing OKIENKO_SECRET accept each
// other's pending sign-ins.
package oidc

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth"
)

// Source is the users' source of people this provider vouches for.
const Source = "oidc"

// Defaults of Config.
const (
	DefaultRoleClaim  = "roles"
	DefaultAdminValue = "okienko-admin"
	DefaultClerkValue = "okienko-clerk"
	// PendingTTL is how long a begun sign-in may take at the provider.
	PendingTTL = auth.RedirectPendingTTL
	// CallbackPath is where the provider sends the browser back, under
	// the server's public URL: the redirect URI to register.
	CallbackPath = "/auth/oidc/callback"
)

// Config is a relying party's configuration.
type Config struct {
	Issuer       string // the provider's issuer URL; discovery is at Issuer/.well-known/openid-configuration
	ClientID     string
	ClientSecret string // "" for a public client (PKCE alone)
	RedirectURL  string // the server's public URL + CallbackPath
	// RoleClaim names the claim carrying the person's roles or groups: a
	// string, a list of strings, or a dotted path into objects
	// ("realm_access.roles"). Default DefaultRoleClaim.
	RoleClaim  string
	AdminValue string // the claim's value granting the admin role; default DefaultAdminValue
	ClerkValue string // the claim's value granting the clerk role; default DefaultClerkValue
	Label      string // the sign-in button's text; "" for the pages' own
	// Key seals the pending sign-ins (32 bytes; derive it from the
	// server secret with KeyOf).
	Key []byte
	// HTTPClient talks to the provider; nil: one with a 10 s timeout.
	HTTPClient *http.Client
	// Now is the time the provider's tokens are checked against; nil:
	// the real time. It is never the office's injected clock: the
	// provider stamps iat and exp on its own (real) clock, so comparing
	// them with a clock a test or a demo moved to another day would
	// refuse every token or accept expired ones. The pending sign-in's age
	// is measured on the same time, as the browser measures its cookie.
	Now func() time.Time
}

// KeyOf derives the key sealing pending sign-ins from the server secret.
func KeyOf(secret string) []byte {
	return auth.SealKey(secret, "okienko oidc pending sign-in")
}

// Provider is a relying party of one OpenID provider. Its methods are
// safe for concurrent use.
type Provider struct {
	cfg    Config
	sealer *auth.Sealer // the pending sign-ins' cookie values

	mu       sync.Mutex
	provider *gooidc.Provider // discovered on first use
}

// New checks cfg and returns its relying party. The provider is discovered
// on first use (and again after a failure), so a provider down when the
// server starts doesn't keep the server down. EINVALID for a missing
// issuer, client id, redirect URL or a short key.
func New(cfg Config) (*Provider, error) {
	if cfg.RoleClaim == "" {
		cfg.RoleClaim = DefaultRoleClaim
	}
	if cfg.AdminValue == "" {
		cfg.AdminValue = DefaultAdminValue
	}
	if cfg.ClerkValue == "" {
		cfg.ClerkValue = DefaultClerkValue
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	fe := okienko.FieldErrors{}
	if u, err := url.Parse(cfg.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		fe.Add("issuer", "must be an http(s) URL")
	}
	if cfg.ClientID == "" {
		fe.Add("client_id", "is required")
	}
	if u, err := url.Parse(cfg.RedirectURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		fe.Add("redirect_url", "must be an http(s) URL")
	}
	if len(cfg.Key) != 32 {
		fe.Add("key", "must be 32 bytes")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return &Provider{cfg: cfg, sealer: auth.NewSealer(cfg.Key)}, nil
}

var _ auth.Redirector = (*Provider)(nil)

// Source returns Source.
func (p *Provider) Source() string { return Source }

// Label returns the configured button text ("" for the pages' own).
func (p *Provider) Label() string { return p.cfg.Label }

// discover returns the provider's metadata, fetching it the first time.
// EUNAVAILABLE when the provider can't be reached or answers nonsense.
func (p *Provider) discover(ctx context.Context) (*gooidc.Provider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.provider != nil {
		return p.provider, nil
	}
	prov, err := gooidc.NewProvider(p.clientContext(ctx), p.cfg.Issuer)
	if err != nil {
		return nil, &okienko.Error{Code: okienko.EUNAVAILABLE, Message: "the office's sign-in service can't be reached; try again later", Err: err}
	}
	p.provider = prov
	return prov, nil
}

func (p *Provider) clientContext(ctx context.Context) context.Context {
	return gooidc.ClientContext(ctx, p.cfg.HTTPClient)
}

func (p *Provider) oauth(prov *gooidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     p.cfg.ClientID,
		ClientSecret: p.cfg.ClientSecret,
		RedirectURL:  p.cfg.RedirectURL,
		Endpoint:     prov.Endpoint(),
		Scopes:       []string{gooidc.ScopeOpenID, "profile", "email"},
	}
}

// pending is a begun sign-in, kept by the browser between Begin and Finish.
type pending struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"r"`
	Expires  int64  `json:"e"` // Unix seconds, on Config.Now
}

// Begin implements auth.Redirector: the provider's authorization address
// with a fresh state, nonce and PKCE challenge (S256), and those in the
// signed pending value.
func (p *Provider) Begin(ctx context.Context, next string) (string, string, error) {
	prov, err := p.discover(ctx)
	if err != nil {
		return "", "", err
	}
	pd := pending{State: auth.NewToken(), Nonce: auth.NewToken(), Verifier: oauth2.GenerateVerifier(), Next: next,
		Expires: p.cfg.Now().Add(PendingTTL).Unix()}
	to := p.oauth(prov).AuthCodeURL(pd.State, gooidc.Nonce(pd.Nonce), oauth2.S256ChallengeOption(pd.Verifier))
	return to, p.sealer.Seal(pd), nil
}

// open checks value is a pending sign-in this server sealed, not too old.
func (p *Provider) open(value string) (*pending, error) {
	var pd pending
	if !p.sealer.Open(value, 4096, &pd) {
		return nil, interrupted("no pending sign-in, or not one of ours")
	}
	if p.cfg.Now().Unix() > pd.Expires {
		return nil, interrupted("the pending sign-in is too old")
	}
	return &pd, nil
}

func interrupted(why string) error {
	return &okienko.Error{Code: okienko.EUNAUTHORIZED, Message: "the sign-in took too long or was begun in another window; try again",
		Err: fmt.Errorf("%w: %s", auth.ErrSignInInterrupted, why)}
}

func untrusted(err error) error {
	return &okienko.Error{Code: okienko.EUNAUTHORIZED, Message: "the office's sign-in service gave an answer that can't be trusted", Err: err}
}

// Finish implements auth.Redirector: it matches the answer's state to
// pending, exchanges the code with the PKCE verifier, verifies the ID
// token (signature by the provider's keys, issuer, audience and authorized
// party = the client id, expiry, nonce) and reads the person from its
// claims, asking the userinfo endpoint for those the token lacks.
func (p *Provider) Finish(ctx context.Context, value string, answer url.Values) (*auth.Identity, string, error) {
	pd, err := p.open(value)
	if err != nil {
		return nil, "", err
	}
	if subtle.ConstantTimeCompare([]byte(answer.Get("state")), []byte(pd.State)) != 1 {
		return nil, pd.Next, interrupted("the answer's state is not the pending one's")
	}
	if e := answer.Get("error"); e != "" {
		return nil, pd.Next, &okienko.Error{Code: okienko.EUNAUTHORIZED, Message: "the office's sign-in service refused the sign-in",
			Err: fmt.Errorf("provider answered %s: %.200s", e, answer.Get("error_description"))}
	}
	code := answer.Get("code")
	if code == "" || len(code) > 4096 {
		return nil, pd.Next, untrusted(errors.New("the answer has no code"))
	}
	prov, err := p.discover(ctx)
	if err != nil {
		return nil, pd.Next, err
	}
	cctx := p.clientContext(ctx)
	tok, err := p.oauth(prov).Exchange(cctx, code, oauth2.VerifierOption(pd.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return nil, pd.Next, untrusted(fmt.Errorf("token endpoint refused the code: %w", err))
		}
		return nil, pd.Next, &okienko.Error{Code: okienko.EUNAVAILABLE, Message: "the office's sign-in service can't be reached; try again later", Err: err}
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, pd.Next, untrusted(errors.New("the token response has no id_token"))
	}
	idt, err := prov.Verifier(&gooidc.Config{ClientID: p.cfg.ClientID, Now: p.cfg.Now}).Verify(cctx, raw)
	if err != nil {
		return nil, pd.Next, untrusted(err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(pd.Nonce)) != 1 {
		return nil, pd.Next, untrusted(errors.New("the id token's nonce is not the pending one's"))
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return nil, pd.Next, untrusted(err)
	}
	if azp, _ := claims["azp"].(string); (azp != "" || len(idt.Audience) > 1) && azp != p.cfg.ClientID {
		return nil, pd.Next, untrusted(fmt.Errorf("the id token's authorized party is %q, not this client", azp))
	}
	if idt.Subject == "" {
		return nil, pd.Next, untrusted(errors.New("the id token has no subject"))
	}
	if (claimAt(claims, p.cfg.RoleClaim) == nil || firstString(claims, "preferred_username", "email") == "") && prov.UserInfoEndpoint() != "" {
		if err := p.addUserInfo(cctx, prov, tok, idt.Subject, claims); err != nil {
			return nil, pd.Next, err
		}
	}
	id := &auth.Identity{
		Source:      Source,
		Subject:     idt.Subject,
		Username:    Username(firstString(claims, "preferred_username", "email")),
		DisplayName: firstString(claims, "name"),
		Role:        p.role(claims),
	}
	return id, pd.Next, nil
}

// addUserInfo adds to claims those of the userinfo endpoint that claims
// lacks; the endpoint must speak of the same subject.
func (p *Provider) addUserInfo(ctx context.Context, prov *gooidc.Provider, tok *oauth2.Token, subject string, claims map[string]any) error {
	ui, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return &okienko.Error{Code: okienko.EUNAVAILABLE, Message: "the office's sign-in service can't be reached; try again later", Err: err}
	}
	if ui.Subject != subject {
		return untrusted(fmt.Errorf("userinfo speaks of %q, the id token of %q", ui.Subject, subject))
	}
	more := map[string]any{}
	if err := ui.Claims(&more); err != nil {
		return untrusted(err)
	}
	for k, v := range more {
		if _, ok := claims[k]; !ok {
			claims[k] = v
		}
	}
	return nil
}

// role maps the role claim's values: admin wins over clerk; "" for none.
func (p *Provider) role(claims map[string]any) string {
	var values []string
	switch v := claimAt(claims, p.cfg.RoleClaim).(type) {
	case string:
		values = strings.Fields(strings.ReplaceAll(v, ",", " "))
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				values = append(values, s)
			}
		}
	}
	role := ""
	for _, v := range values {
		switch v {
		case p.cfg.AdminValue:
			return okienko.RoleAdmin
		case p.cfg.ClerkValue:
			role = okienko.RoleClerk
		}
	}
	return role
}

// claimAt returns the claim at path: a claim's name, or names of nested
// objects joined by dots. A claim whose own name has dots wins.
func claimAt(claims map[string]any, path string) any {
	if v, ok := claims[path]; ok {
		return v
	}
	var cur any = claims
	for part := range strings.SplitSeq(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

func firstString(claims map[string]any, names ...string) string {
	for _, n := range names {
		if s, ok := claims[n].(string); ok && strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// Username turns a provider's user name (preferred_username or e-mail)
// into an Okienko user name: the part before "@" (an Entra ID UPN
// anowak@urzad.gov.pl is anowak, as the directory's sAMAccountName),
// lower-cased, Polish letters without their marks, anything else outside
// a-z 0-9 . _ - as "-", at most auth.MaxUsernameLength bytes.
func Username(name string) string {
	if i := strings.IndexByte(name, '@'); i > 0 {
		name = name[:i]
	}
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		if a, ok := plain[r]; ok {
			r = a
		}
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			r = '-'
		}
		if b.Len() >= auth.MaxUsernameLength {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

var plain = map[rune]rune{'ą': 'a', 'ć': 'c', 'ę': 'e', 'ł': 'l', 'ń': 'n', 'ó': 'o', 'ś': 's', 'ź': 'z', 'ż': 'z'}
