// Package oidctest runs a real OpenID provider in the test's process for
// the tests of the relying party: ZITADEL's example provider (its login
// form, in-memory storage and users) on a loopback socket, with one web
// client registered and knobs that make it misbehave the ways a relying
// party must refuse.
package oidctest

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// The client registered at the provider, and the password of its users.
const (
	ClientID     = "okienko"
	ClientSecret = "okienko-client-secret"
	Password     = "verysecure"
	// RoleClaim is the claim carrying the roles the test gives.
	RoleClaim = "roles"
)

// The provider's users: User1 (subject "id1") and User2 ("id2"). The
// example names the first after the issuer's host.
const (
	User1Subject = "id1"
	User2        = "test-user2"
	User2Subject = "id2"
)

// Provider is an OpenID provider serving one test.
type Provider struct {
	URL string // the issuer
	srv *httptest.Server

	mu            sync.Mutex
	roles         map[string][]string // subject → values of RoleClaim
	wrongAudience bool
	forgeNonce    bool
	expired       bool
	claimsInToken bool
}

// User1 is the user name of the provider's first user.
func (p *Provider) User1() string {
	u, _ := url.Parse(p.URL)
	return "test-user@" + u.Hostname()
}

// Start runs a provider that accepts redirectURL for ClientID; it stops
// when the test ends.
func Start(t testing.TB, redirectURL string) *Provider {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{URL: "http://" + ln.Addr().String(), roles: map[string][]string{}}
	clients := map[string]*storage.Client{ClientID: storage.WebClient(ClientID, ClientSecret, redirectURL)}
	st := &store{Storage: storage.NewStorageWithClients(storage.NewUserStore(p.URL), clients), p: p}
	// The example logs every request through the default logger, which it
	// replaces with the one given: quiet unless the test is verbose.
	var log *slog.Logger
	if !testing.Verbose() {
		log = slog.New(slog.DiscardHandler)
	}
	router := exampleop.SetupServer(p.URL, st, log, false)
	p.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: router, ReadHeaderTimeout: 10 * time.Second}}
	p.srv.Start()
	t.Cleanup(p.srv.Close)
	return p
}

// SetRoles gives subject the values of RoleClaim (none: no claim).
func (p *Provider) SetRoles(subject string, values ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.roles[subject] = values
}

// WrongAudience makes the provider issue ID tokens for another client
// (OtherClientID). Turn it on after the sign-in at the provider, before
// the code is exchanged.
func (p *Provider) WrongAudience(on bool) { p.set(&p.wrongAudience, on) }

// ForgeNonce makes the provider put another nonce into ID tokens.
func (p *Provider) ForgeNonce(on bool) { p.set(&p.forgeNonce, on) }

// Expired makes the provider issue ID tokens that expired a minute ago.
func (p *Provider) Expired(on bool) { p.set(&p.expired, on) }

// ClaimsInToken puts the profile claims and roles into the ID token
// itself; off (the example's default), they come from the userinfo
// endpoint only.
func (p *Provider) ClaimsInToken(on bool) { p.set(&p.claimsInToken, on) }

func (p *Provider) set(f *bool, on bool) {
	p.mu.Lock()
	*f = on
	p.mu.Unlock()
}

func (p *Provider) get(f *bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return *f
}

// SignIn goes through the provider's sign-in as a browser would: it
// follows client from authorizeURL to the provider's login form, submits
// name and password, and returns the redirect the provider answers with
// (to the relying party's redirect URI), without following it.
func (p *Provider) SignIn(t testing.TB, client *http.Client, authorizeURL, name, password string) *url.URL {
	t.Helper()
	c := *client
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !strings.HasPrefix(req.URL.String(), p.URL) {
			return http.ErrUseLastResponse // leaving the provider
		}
		return nil
	}
	resp, err := c.Get(authorizeURL)
	if err != nil {
		t.Fatalf("authorize: %v", err)
	}
	resp.Body.Close()
	id := resp.Request.URL.Query().Get("authRequestID")
	if resp.StatusCode != http.StatusOK || id == "" {
		t.Fatalf("authorize led to %d %s, not the login form", resp.StatusCode, resp.Request.URL)
	}
	resp, err = c.PostForm(p.URL+"/login/username", url.Values{"id": {id}, "username": {name}, "password": {password}})
	if err != nil {
		t.Fatalf("login form: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 3 {
		t.Fatalf("the provider's login answered %d at %s, not a redirect back", resp.StatusCode, resp.Request.URL)
	}
	back, err := resp.Location()
	if err != nil {
		t.Fatal(err)
	}
	return back
}

// store is the example's storage with the test's knobs.
type store struct {
	*storage.Storage
	p *Provider
}

func (s *store) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return &client{Client: c, p: s.p}, nil
}

func (s *store) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	r, err := s.Storage.AuthRequestByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	ar := r.(*storage.AuthRequest)
	if s.p.get(&s.p.forgeNonce) {
		ar.Nonce = "forged-" + ar.Nonce
	}
	if s.p.get(&s.p.wrongAudience) {
		return &otherAudience{AuthRequest: ar}, nil
	}
	return ar, nil
}

func (s *store) SetUserinfoFromRequest(ctx context.Context, ui *zoidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, ui, req, scopes); err != nil {
		return err
	}
	if s.p.get(&s.p.claimsInToken) {
		s.addRoles(ui, req.GetSubject())
	}
	return nil
}

func (s *store) SetUserinfoFromToken(ctx context.Context, ui *zoidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, ui, tokenID, subject, origin); err != nil {
		return err
	}
	s.addRoles(ui, ui.Subject)
	return nil
}

func (s *store) addRoles(ui *zoidc.UserInfo, subject string) {
	s.p.mu.Lock()
	roles := s.p.roles[subject]
	s.p.mu.Unlock()
	if len(roles) > 0 {
		ui.AppendClaims(RoleClaim, roles)
	}
}

// client is the registered client with the test's token lifetime.
type client struct {
	op.Client
	p *Provider
}

func (c *client) IDTokenLifetime() time.Duration {
	if c.p.get(&c.p.expired) {
		return -time.Minute
	}
	return c.Client.IDTokenLifetime()
}

func (c *client) IDTokenUserinfoClaimsAssertion() bool { return c.p.get(&c.p.claimsInToken) }

// GetID is the client's id, or another client's while WrongAudience is
// on: the token endpoint then takes the code as that client's.
func (c *client) GetID() string {
	if c.p.get(&c.p.wrongAudience) {
		return OtherClientID
	}
	return c.Client.GetID()
}

// OtherClientID is the client WrongAudience issues tokens for.
const OtherClientID = "another-client"

// otherAudience is an authorization meant, by its tokens, for another client.
type otherAudience struct{ *storage.AuthRequest }

func (otherAudience) GetClientID() string   { return OtherClientID }
func (otherAudience) GetAudience() []string { return []string{OtherClientID} }
