// Package trusted signs residents in with the national trusted profile
// (login.gov.pl, "profil zaufany"): a SAML 2.0 service provider built on
// github.com/crewjam/saml. It implements auth.ResidentSignIn.
//
// The service provider signs its AuthnRequests (HTTP-Redirect binding,
// RSA-SHA256) and takes the answer at its assertion consumer service
// (HTTP-POST). An answer counts only when its signature is the identity
// provider's (from its metadata), it is meant for this service provider
// (audience, destination), it lies within its time window on the server's
// clock, it answers a request this service provider issued and has not
// expired (InResponseTo, kept in saml_requests so that every instance knows
// it), and its assertion was never accepted before (saml_assertions, on
// every instance).
//
// Attributes read (exact names, or the same as FriendlyName): the given
// name from http://eidas.europa.eu/attributes/naturalperson/CurrentGivenName,
// urn:oid:2.5.4.42, FirstName or GivenName; the family name from
// .../CurrentFamilyName, urn:oid:2.5.4.4, LastName, FamilyName or Surname;
// the PESEL from .../PersonIdentifier (login.gov.pl sends eIDAS attributes;
// a "PL/PL/" prefix is dropped) or PESEL. An assertion without a valid
// PESEL signs nobody in.
package trusted

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	"github.com/jonboulle/clockwork"
	dsig "github.com/russellhaering/goxmldsig"
	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database"
)

// Paths of the service provider under the server's base URL.
const (
	MetadataPath = "/saml/metadata"
	ACSPath      = "/saml/acs"
	LoginPath    = "/saml/login"
)

// Bounds of what the provider reads and keeps.
const (
	// RequestTTL is how long an AuthnRequest may be answered.
	RequestTTL = 10 * time.Minute
	// MaxResponse bounds a POSTed SAMLResponse (base64).
	MaxResponse = 256 << 10
	// MaxMetadata bounds the identity provider's metadata.
	MaxMetadata = 1 << 20
	maxReturnTo = 512
	maxRelay    = 80
)

// Attribute names read from the assertion (see the package comment).
var (
	givenNames  = []string{"http://eidas.europa.eu/attributes/naturalperson/CurrentGivenName", "urn:oid:2.5.4.42", "FirstName", "GivenName"}
	familyNames = []string{"http://eidas.europa.eu/attributes/naturalperson/CurrentFamilyName", "urn:oid:2.5.4.4", "LastName", "FamilyName", "Surname"}
	peselNames  = []string{"http://eidas.europa.eu/attributes/naturalperson/PersonIdentifier", "PESEL"}
)

// Config is what the provider is made of.
type Config struct {
	// IDPMetadata is the identity provider's metadata (LoadMetadata reads
	// it from a URL or a file).
	IDPMetadata []byte
	// KeyPEM and CertPEM are the service provider's RSA key and its
	// certificate, PEM.
	KeyPEM, CertPEM []byte
	// BaseURL is the server's public URL; the ACS and metadata lie under it.
	BaseURL string
	// EntityID names the service provider; "": BaseURL + MetadataPath.
	EntityID string
}

// Provider is the trusted profile's service provider.
type Provider struct {
	db    *gorm.DB
	clock okienko.Clock
	sp    *saml.ServiceProvider
}

var _ auth.ResidentSignIn = (*Provider)(nil)

// New returns the provider over db (saml_requests, saml_assertions) on
// clock. Errors name what in cfg is wrong.
func New(db *gorm.DB, clock okienko.Clock, cfg Config) (*Provider, error) {
	idp, err := parseMetadata(cfg.IDPMetadata)
	if err != nil {
		return nil, fmt.Errorf("identity provider metadata: %w", err)
	}
	pair, err := tls.X509KeyPair(cfg.CertPEM, cfg.KeyPEM)
	if err != nil {
		return nil, fmt.Errorf("service provider key and certificate: %w", err)
	}
	key, ok := pair.PrivateKey.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("service provider key: must be an RSA key")
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("service provider certificate: %w", err)
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("base URL %q: not an absolute URL", cfg.BaseURL)
	}
	metadataURL, acsURL := *base, *base
	metadataURL.Path += MetadataPath
	acsURL.Path += ACSPath
	sp := &saml.ServiceProvider{
		EntityID:                         cfg.EntityID,
		Key:                              key,
		Certificate:                      cert,
		MetadataURL:                      metadataURL,
		AcsURL:                           acsURL,
		IDPMetadata:                      idp,
		SignatureMethod:                  dsig.RSASHA256SignatureMethod,
		AssertionConsumerServiceBindings: []string{saml.HTTPPostBinding},
		AuthnNameIDFormat:                saml.UnspecifiedNameIDFormat,
		Clock:                            LibraryClock(clock),
		RejectSHA1Signatures:             true,
	}
	if sp.EntityID == "" {
		sp.EntityID = metadataURL.String()
	}
	if sp.GetSSOBindingLocation(saml.HTTPRedirectBinding) == "" {
		return nil, errors.New("identity provider metadata: no SingleSignOnService with the HTTP-Redirect binding")
	}
	return &Provider{db: database.OnClock(db, clock), clock: clock, sp: sp}, nil
}

// LibraryClock is clock as crewjam/saml and goxmldsig take one (only its
// Now is ever read), for the service provider and test identity providers.
func LibraryClock(clock okienko.Clock) *dsig.Clock { return dsig.NewFakeClock(serverClock{clock}) }

// serverClock shows the server's clock (okienko.Clock) to the SAML
// library, which reads only Now from it: assertions and certificates are
// judged by the same time as everything else. It has no timers: the
// library must never wait on it.
type serverClock struct{ okienko.Clock }

func (c serverClock) Now() time.Time { return c.Clock.Now() }

func (serverClock) After(time.Duration) <-chan time.Time {
	panic("trusted: the server clock has no timers")
}
func (serverClock) Sleep(time.Duration)               { panic("trusted: the server clock has no timers") }
func (c serverClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }
func (c serverClock) Until(t time.Time) time.Duration { return t.Sub(c.Now()) }
func (serverClock) NewTicker(time.Duration) clockwork.Ticker {
	panic("trusted: the server clock has no timers")
}
func (serverClock) NewTimer(time.Duration) clockwork.Timer {
	panic("trusted: the server clock has no timers")
}
func (serverClock) AfterFunc(time.Duration, func()) clockwork.Timer {
	panic("trusted: the server clock has no timers")
}

// LoadMetadata reads the identity provider's metadata from src: an http(s)
// URL (fetched once, within 30 s) or a file path; at most MaxMetadata bytes.
func LoadMetadata(ctx context.Context, src string) ([]byte, error) {
	var r io.Reader
	if strings.HasPrefix(src, "https://") || strings.HasPrefix(src, "http://") {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s", src, resp.Status)
		}
		r = resp.Body
	} else {
		f, err := os.Open(src)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxMetadata+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxMetadata {
		return nil, fmt.Errorf("%s: larger than %d bytes", src, MaxMetadata)
	}
	return b, nil
}

// parseMetadata reads an EntityDescriptor, or the one identity provider of
// an EntitiesDescriptor.
func parseMetadata(b []byte) (*saml.EntityDescriptor, error) {
	if len(b) == 0 {
		return nil, errors.New("empty")
	}
	var ed saml.EntityDescriptor
	errOne := xml.Unmarshal(b, &ed)
	if errOne == nil && len(ed.IDPSSODescriptors) > 0 {
		return &ed, nil
	}
	var all saml.EntitiesDescriptor
	if err := xml.Unmarshal(b, &all); err == nil {
		for i := range all.EntityDescriptors {
			if len(all.EntityDescriptors[i].IDPSSODescriptors) > 0 {
				return &all.EntityDescriptors[i], nil
			}
		}
	}
	if errOne != nil {
		return nil, errOne
	}
	return nil, errors.New("no IDPSSODescriptor")
}

// Metadata is the service provider's SAML metadata, signed with its key.
func (p *Provider) Metadata() ([]byte, error) {
	el, err := p.sp.SignedMetadata()
	if err != nil {
		return nil, okienko.Internal(err)
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	doc := etree.NewDocument()
	doc.SetRoot(el)
	if _, err := doc.WriteTo(&buf); err != nil {
		return nil, okienko.Internal(err)
	}
	return buf.Bytes(), nil
}

// SignInOrigin is the origin of the identity provider's sign-in address.
func (p *Provider) SignInOrigin() string {
	u, err := url.Parse(p.sp.GetSSOBindingLocation(saml.HTTPRedirectBinding))
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// EntityID is the service provider's entity ID.
func (p *Provider) EntityID() string { return p.sp.EntityID }

// validReturnTo reports whether s is a path of this site: one leading
// slash, no scheme or host, printable, bounded.
func validReturnTo(s string) bool {
	if len(s) == 0 || len(s) > maxReturnTo || s[0] != '/' || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") {
		return false
	}
	for _, r := range s {
		if r < 0x21 || r == 0x7f || r == '\\' {
			return false
		}
	}
	return true
}

// Begin issues a signed AuthnRequest and returns the identity provider's
// address carrying it (HTTP-Redirect binding). The request's ID is kept for
// RequestTTL with returnTo, and travels as the RelayState. EINVALID naming
// return_to for a returnTo that is not a path of this site.
func (p *Provider) Begin(ctx context.Context, returnTo string) (string, error) {
	if !validReturnTo(returnTo) {
		return "", okienko.Invalid("return_to", "must be a path of this site")
	}
	req, err := p.sp.MakeAuthenticationRequest(p.sp.GetSSOBindingLocation(saml.HTTPRedirectBinding), saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		return "", okienko.Internal(err)
	}
	now := p.clock.Now()
	err = p.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM saml_requests WHERE expires_at <= ?`, now.Unix()).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO saml_requests (id, return_to, expires_at) VALUES (?, ?, ?)`,
			req.ID, returnTo, now.Add(RequestTTL).Unix()).Error
	})
	if err != nil {
		return "", okienko.Internal(err)
	}
	u, err := req.Redirect(req.ID, p.sp)
	if err != nil {
		return "", okienko.Internal(err)
	}
	return u.String(), nil
}

// refused is Finish's answer to a response that signs nobody in; why is
// the library's reason, logged, never shown.
func refused(why error) error {
	return &okienko.Error{Code: okienko.EUNAUTHORIZED, Message: "the trusted profile's answer was not accepted; please sign in again", Err: why}
}

// ErrUnsolicited is the reason (Err) of refusing a response that answers no
// request this service provider issued, or one that has expired.
var ErrUnsolicited = errors.New("trusted: the response answers no unexpired request of ours")

// Finish checks the identity provider's answer: the base64 SAMLResponse
// and the RelayState, which is the ID of the request it must answer. It
// returns the resident and the path their Begin came back to.
// EUNAUTHORIZED (Err: the reason, ErrUnsolicited or one of crewjam/saml's
// Err… values, or saml.ErrAssertionReplayed) when the answer signs nobody
// in; EINVALID when it is not even readable.
func (p *Provider) Finish(ctx context.Context, response, relayState string) (*auth.Resident, string, error) {
	if response == "" || len(response) > MaxResponse {
		return nil, "", okienko.Invalid("SAMLResponse", "missing or too long")
	}
	if relayState == "" || len(relayState) > maxRelay {
		return nil, "", refused(ErrUnsolicited)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.Map(dropSpace, response))
	if err != nil {
		return nil, "", okienko.Invalid("SAMLResponse", "not base64")
	}
	now := p.clock.Now()
	var returnTo []string
	if err := p.db.WithContext(ctx).Raw(`SELECT return_to FROM saml_requests WHERE id = ? AND expires_at > ?`, relayState, now.Unix()).
		Scan(&returnTo).Error; err != nil {
		return nil, "", okienko.Internal(err)
	}
	if len(returnTo) != 1 {
		return nil, "", refused(ErrUnsolicited)
	}
	a, err := p.sp.ParseXMLResponse(raw, []string{relayState}, p.sp.AcsURL)
	if err != nil {
		return nil, "", refused(err)
	}
	r, err := residentOf(a)
	if err != nil {
		return nil, "", refused(err)
	}
	if err := p.consume(ctx, a.ID, acceptableUntil(a)); err != nil {
		return nil, "", err
	}
	return r, returnTo[0], nil
}

func dropSpace(r rune) rune {
	switch r {
	case ' ', '\t', '\r', '\n':
		return -1
	}
	return r
}

// acceptableUntil is a time past which the library refuses a's response
// anyway (its issue instant's and its conditions' deadlines, with the
// clock skew allowed): how long its ID must be remembered.
func acceptableUntil(a *saml.Assertion) time.Time {
	until := a.IssueInstant.Add(saml.MaxIssueDelay)
	if a.Conditions != nil && a.Conditions.NotOnOrAfter.After(until) {
		until = a.Conditions.NotOnOrAfter
	}
	return until.Add(saml.MaxClockSkew)
}

// consume records assertion id as used until expires, in one statement:
// of any number of uses of one assertion, on any instance, one succeeds.
// It first deletes the records that have expired. EUNAUTHORIZED (Err:
// saml.ErrAssertionReplayed) for an assertion used before.
func (p *Provider) consume(ctx context.Context, id string, expires time.Time) error {
	if id == "" || len(id) > 256 {
		return refused(errors.New("trusted: assertion without a usable ID"))
	}
	db := p.db.WithContext(ctx)
	if err := db.Exec(`DELETE FROM saml_assertions WHERE expires_at <= ?`, p.clock.Now().Unix()).Error; err != nil {
		return okienko.Internal(err)
	}
	res := db.Exec(`INSERT INTO saml_assertions (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`, id, expires.Unix()+1)
	if res.Error != nil {
		return okienko.Internal(res.Error)
	}
	if res.RowsAffected != 1 {
		return refused(saml.ErrAssertionReplayed)
	}
	return nil
}

// residentOf reads the resident's name and PESEL from a's attributes.
func residentOf(a *saml.Assertion) (*auth.Resident, error) {
	r := &auth.Resident{
		GivenName:  attribute(a, givenNames),
		FamilyName: attribute(a, familyNames),
	}
	id := attribute(a, peselNames)
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		id = id[i+1:] // eIDAS PersonIdentifier: PL/PL/85010112345
	}
	pesel, err := booking.ParsePESEL(id)
	if err != nil {
		return nil, fmt.Errorf("trusted: the assertion carries no valid PESEL: %w", err)
	}
	r.PESEL = string(pesel) // String would mask it
	if strings.TrimSpace(r.Name()) == "" {
		return nil, errors.New("trusted: the assertion carries no name")
	}
	return r, nil
}

// attribute is the first non-empty value of the first attribute of a
// called (Name or FriendlyName) one of names, "" for none.
func attribute(a *saml.Assertion, names []string) string {
	for _, name := range names {
		for _, st := range a.AttributeStatements {
			for _, at := range st.Attributes {
				if at.Name != name && at.FriendlyName != name {
					continue
				}
				for _, v := range at.Values {
					if s := strings.TrimSpace(v.Value); s != "" {
						return s
					}
				}
			}
		}
	}
	return ""
}
