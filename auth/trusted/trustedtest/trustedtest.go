// Package trustedtest runs a real SAML 2.0 identity provider for tests of
// the trusted profile: crewjam/saml's IdentityProvider on an httptest
// server, on the test's injected clock, signing every sign-in in as one
// resident without a login page.
package trustedtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"encoding/xml"
	"html"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth/trusted"
)

// Resident is who the identity provider signs in.
type Resident struct {
	GivenName, FamilyName, PESEL string
}

// IdP is the test identity provider.
type IdP struct {
	Server *httptest.Server
	IDP    *saml.IdentityProvider
	// Metadata is the identity provider's metadata, for trusted.Config.
	Metadata []byte
	// SPKeyPEM and SPCertPEM are a key and certificate for the service
	// provider, valid around the clock's time.
	SPKeyPEM, SPCertPEM []byte

	mu       sync.Mutex
	resident Resident
	sp       *saml.EntityDescriptor
	alter    func(*saml.Assertion)
}

// KeyPair returns a fresh RSA key and a self-signed certificate for cn,
// valid from a year before to a year after at, both PEM.
func KeyPair(t testing.TB, cn string, at time.Time) (*rsa.PrivateKey, *x509.Certificate, []byte, []byte) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(at.UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: at.AddDate(-1, 0, 0), NotAfter: at.AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return key, cert, keyPEM, certPEM
}

// New starts an identity provider on a loopback socket whose time is
// clock's, signing everybody in as r; it stops when the test ends. Trust
// must then be given the service provider's metadata.
func New(t testing.TB, clock okienko.Clock, r Resident) *IdP {
	t.Helper()
	now := clock.Now()
	key, cert, _, _ := KeyPair(t, "test identity provider", now)
	_, _, spKey, spCert := KeyPair(t, "okienko test service provider", now)
	i := &IdP{SPKeyPEM: spKey, SPCertPEM: spCert, resident: r}
	mux := http.NewServeMux()
	i.Server = httptest.NewServer(mux)
	t.Cleanup(i.Server.Close)
	base, _ := url.Parse(i.Server.URL)
	i.IDP = &saml.IdentityProvider{
		Key: key, Certificate: cert, Logger: log.New(io.Discard, "", 0),
		MetadataURL:             *base.JoinPath("/metadata"),
		SSOURL:                  *base.JoinPath("/sso"),
		ServiceProviderProvider: i, SessionProvider: i, AssertionMaker: i,
		SignatureMethod: dsig.RSASHA256SignatureMethod,
		Clock:           trusted.LibraryClock(clock),
	}
	mux.HandleFunc("/metadata", i.IDP.ServeMetadata)
	mux.HandleFunc("/sso", i.IDP.ServeSSO)
	md, err := xml.MarshalIndent(i.IDP.Metadata(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	i.Metadata = md
	return i
}

// Trust registers the service provider by its metadata.
func (i *IdP) Trust(t testing.TB, spMetadata []byte) {
	t.Helper()
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(spMetadata, &ed); err != nil {
		t.Fatal(err)
	}
	i.mu.Lock()
	i.sp = &ed
	i.mu.Unlock()
}

// Alter makes the identity provider change each assertion with f before
// signing it (nil: no more changes): a wrong audience, another time.
func (i *IdP) Alter(f func(*saml.Assertion)) {
	i.mu.Lock()
	i.alter = f
	i.mu.Unlock()
}

// GetServiceProvider implements saml.ServiceProviderProvider.
func (i *IdP) GetServiceProvider(_ *http.Request, id string) (*saml.EntityDescriptor, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.sp == nil || i.sp.EntityID != id {
		return nil, os.ErrNotExist
	}
	return i.sp, nil
}

// GetSession implements saml.SessionProvider: the resident, always.
func (i *IdP) GetSession(_ http.ResponseWriter, _ *http.Request, req *saml.IdpAuthnRequest) *saml.Session {
	i.mu.Lock()
	r := i.resident
	i.mu.Unlock()
	const eidas = "http://eidas.europa.eu/attributes/naturalperson/"
	attr := func(name, friendly, value string) saml.Attribute {
		return saml.Attribute{Name: eidas + name, FriendlyName: friendly, NameFormat: "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
			Values: []saml.AttributeValue{{Type: "xs:string", Value: value}}}
	}
	return &saml.Session{
		ID: "s-" + r.PESEL, CreateTime: req.Now, ExpireTime: req.Now.Add(time.Hour), Index: "1",
		NameID: "PL/PL/" + r.PESEL,
		CustomAttributes: []saml.Attribute{
			attr("CurrentGivenName", "FirstName", r.GivenName),
			attr("CurrentFamilyName", "FamilyName", r.FamilyName),
			attr("PersonIdentifier", "PersonIdentifier", "PL/PL/"+r.PESEL),
		},
	}
}

// MakeAssertion implements saml.AssertionMaker: the default, then Alter's.
func (i *IdP) MakeAssertion(req *saml.IdpAuthnRequest, s *saml.Session) error {
	if err := (saml.DefaultAssertionMaker{}).MakeAssertion(req, s); err != nil {
		return err
	}
	i.mu.Lock()
	f := i.alter
	i.mu.Unlock()
	if f != nil {
		f(req.Assertion)
	}
	return nil
}

// samlResponse finds the SAMLResponse and RelayState fields of the
// identity provider's auto-submitting form.
var (
	samlResponse = regexp.MustCompile(`name="SAMLResponse" value="([^"]*)"`)
	relayState   = regexp.MustCompile(`name="RelayState" value="([^"]*)"`)
)

// Answer follows redirect (what the service provider's Begin returned) to
// the identity provider as a browser would and returns what its form would
// POST to the assertion consumer service: the SAMLResponse and RelayState.
func (i *IdP) Answer(t testing.TB, redirect string) (response, relay string) {
	t.Helper()
	rec := httptest.NewRecorder()
	i.Server.Config.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, redirect, nil))
	body := rec.Body.Bytes()
	m := samlResponse.FindSubmatch(body)
	if rec.Code != http.StatusOK || m == nil {
		t.Fatalf("identity provider answered %d: %s", rec.Code, body)
	}
	response = unescape(m[1])
	if r := relayState.FindSubmatch(body); r != nil {
		relay = unescape(r[1])
	}
	return response, relay
}

func unescape(b []byte) string { return html.UnescapeString(string(b)) }
