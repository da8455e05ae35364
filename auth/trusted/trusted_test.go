package trusted_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml"
	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth/trusted"
	"github.com/okienko/okienko/auth/trusted/trustedtest"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office/officetest"
)

// anna is who the test identity provider signs in (a valid PESEL).
var anna = trustedtest.Resident{GivenName: "Anna", FamilyName: "Kowalska", PESEL: "85010112345"}

const returnTo = "/sprawy/1/rezerwacja?start=x"

// setup returns a service provider on db trusted by a test identity
// provider, both on clock, which stands on the test week.
func setup(t *testing.T, db *gorm.DB) (*trusted.Provider, *trustedtest.IdP, *okienko.ManualClock) {
	t.Helper()
	clock := okienko.NewManualClock(officetest.Anchor(t).At(1, 9, 0))
	idp := trustedtest.New(t, clock, anna)
	p, err := trusted.New(db, clock, trusted.Config{IDPMetadata: idp.Metadata, KeyPEM: idp.SPKeyPEM, CertPEM: idp.SPCertPEM, BaseURL: "https://okienko.example"})
	if err != nil {
		t.Fatal(err)
	}
	md, err := p.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	idp.Trust(t, md)
	return p, idp, clock
}

// answer begins a sign-in at p and returns the identity provider's answer.
func answer(t *testing.T, p *trusted.Provider, idp *trustedtest.IdP) (string, string) {
	t.Helper()
	redirect, err := p.Begin(context.Background(), returnTo)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(redirect, idp.Server.URL+"/sso?") || !strings.Contains(redirect, "Signature=") || !strings.Contains(redirect, "SigAlg=") {
		t.Fatalf("Begin sent the browser to %s, want the identity provider's SSO with a signed request", redirect)
	}
	return idp.Answer(t, redirect)
}

// refusedFor checks that err refuses a sign-in for reason.
func refusedFor(t *testing.T, err error, reason error) {
	t.Helper()
	if okienko.ErrorCode(err) != okienko.EUNAUTHORIZED || !errors.Is(err, reason) {
		t.Fatalf("Finish: %v, want unauthorized for %v", err, reason)
	}
}

func TestTrustedSignIn(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p, idp, _ := setup(t, db)
		resp, relay := answer(t, p, idp)
		r, back, err := p.Finish(context.Background(), resp, relay)
		if err != nil {
			t.Fatal(err)
		}
		if r.Name() != "Anna Kowalska" || r.PESEL != anna.PESEL || back != returnTo {
			t.Fatalf("signed in %+v, back to %q", r, back)
		}
		if r.MaskedPESEL() != "•••••••2345" {
			t.Fatalf("masked PESEL %q", r.MaskedPESEL())
		}
	})
}

// TestTrustedReplayRefused: an assertion signs in once, on any instance
// sharing the database, until it could expire; the store forgets it after.
func TestTrustedReplayRefused(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p, idp, clock := setup(t, db)
		resp, relay := answer(t, p, idp)
		if _, _, err := p.Finish(context.Background(), resp, relay); err != nil {
			t.Fatal(err)
		}
		_, _, err := p.Finish(context.Background(), resp, relay)
		refusedFor(t, err, saml.ErrAssertionReplayed)
		// Another instance on the same database.
		other, err := trusted.New(db, clock, trusted.Config{IDPMetadata: idp.Metadata, KeyPEM: idp.SPKeyPEM, CertPEM: idp.SPCertPEM, BaseURL: "https://okienko.example"})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = other.Finish(context.Background(), resp, relay)
		refusedFor(t, err, saml.ErrAssertionReplayed)
		var n int64
		db.Raw(`SELECT COUNT(*) FROM saml_assertions`).Scan(&n)
		if n != 1 {
			t.Fatalf("%d used assertions kept, want 1", n)
		}
		// Once every assertion of then has expired, a new sign-in sweeps it.
		clock.Advance(time.Hour)
		resp, relay = answer(t, p, idp)
		if _, _, err := p.Finish(context.Background(), resp, relay); err != nil {
			t.Fatal(err)
		}
		db.Raw(`SELECT COUNT(*) FROM saml_assertions`).Scan(&n)
		if n != 1 {
			t.Fatalf("%d used assertions kept after the first expired, want 1", n)
		}
	})
}

func TestTrustedTamperedRefused(t *testing.T) {
	p, idp, _ := setup(t, databasetest.SQLite(t))
	resp, relay := answer(t, p, idp)
	raw, err := base64.StdEncoding.DecodeString(resp)
	if err != nil {
		t.Fatal(err)
	}
	// The assertion is encrypted for the service provider inside the
	// signed Response: change one letter of the ciphertext.
	at := strings.LastIndex(string(raw), "<xenc:CipherValue>") + len("<xenc:CipherValue>") + 40
	forged := []byte(string(raw))
	if forged[at] == 'A' {
		forged[at] = 'B'
	} else {
		forged[at] = 'A'
	}
	_, _, err = p.Finish(context.Background(), base64.StdEncoding.EncodeToString(forged), relay)
	refusedFor(t, err, saml.ErrInvalidSignature)
	// The genuine one still works: the forgery used nothing up.
	if _, _, err := p.Finish(context.Background(), resp, relay); err != nil {
		t.Fatal(err)
	}
}

func TestTrustedWrongAudienceRefused(t *testing.T) {
	p, idp, _ := setup(t, databasetest.SQLite(t))
	idp.Alter(func(a *saml.Assertion) {
		a.Conditions.AudienceRestrictions = []saml.AudienceRestriction{{Audience: saml.Audience{Value: "https://another-office.example/saml/metadata"}}}
	})
	resp, relay := answer(t, p, idp)
	_, _, err := p.Finish(context.Background(), resp, relay)
	refusedFor(t, err, saml.ErrAudienceMismatch)
}

func TestTrustedOutOfTimeRefused(t *testing.T) {
	t.Run("expired", func(t *testing.T) {
		p, idp, clock := setup(t, databasetest.SQLite(t))
		resp, relay := answer(t, p, idp)
		clock.Advance(saml.MaxIssueDelay + saml.MaxClockSkew + time.Minute)
		_, _, err := p.Finish(context.Background(), resp, relay)
		refusedFor(t, err, saml.ErrExpired)
	})
	t.Run("not yet valid", func(t *testing.T) {
		p, idp, clock := setup(t, databasetest.SQLite(t))
		idp.Alter(func(a *saml.Assertion) {
			a.Conditions.NotBefore = clock.Now().Add(time.Hour)
		})
		resp, relay := answer(t, p, idp)
		_, _, err := p.Finish(context.Background(), resp, relay)
		refusedFor(t, err, saml.ErrNotYetValid)
	})
	t.Run("request expired", func(t *testing.T) {
		p, idp, clock := setup(t, databasetest.SQLite(t))
		resp, relay := answer(t, p, idp)
		clock.Advance(trusted.RequestTTL)
		_, _, err := p.Finish(context.Background(), resp, relay)
		refusedFor(t, err, trusted.ErrUnsolicited)
	})
}

func TestTrustedUnsolicitedRefused(t *testing.T) {
	p, idp, clock := setup(t, databasetest.SQLite(t))
	t.Run("no request of ours", func(t *testing.T) {
		resp, _ := answer(t, p, idp)
		_, _, err := p.Finish(context.Background(), resp, "id-0123456789abcdef0123456789abcdef01234567")
		refusedFor(t, err, trusted.ErrUnsolicited)
	})
	t.Run("answers another request", func(t *testing.T) {
		resp, _ := answer(t, p, idp)
		_, otherRelay := answer(t, p, idp)
		_, _, err := p.Finish(context.Background(), resp, otherRelay)
		refusedFor(t, err, saml.ErrRequestIDMismatch)
	})
	t.Run("identity provider initiated", func(t *testing.T) {
		idp.Alter(func(a *saml.Assertion) {
			for i := range a.Subject.SubjectConfirmations {
				a.Subject.SubjectConfirmations[i].SubjectConfirmationData.InResponseTo = ""
			}
		})
		defer idp.Alter(nil)
		resp, relay := answer(t, p, idp)
		_, _, err := p.Finish(context.Background(), resp, relay)
		if okienko.ErrorCode(err) != okienko.EUNAUTHORIZED {
			t.Fatalf("Finish of an assertion answering nothing: %v, want unauthorized", err)
		}
	})
	_ = clock
}

func TestTrustedBeginReturnTo(t *testing.T) {
	p, _, _ := setup(t, databasetest.SQLite(t))
	for _, bad := range []string{"", "https://evil.example/", "//evil.example/x", "/\\evil.example", "/a b", strings.Repeat("/a", 300)} {
		if _, err := p.Begin(context.Background(), bad); okienko.ErrorCode(err) != okienko.EINVALID {
			t.Errorf("Begin(%q): %v, want invalid", bad, err)
		}
	}
}

func TestTrustedMetadata(t *testing.T) {
	p, _, _ := setup(t, databasetest.SQLite(t))
	md, err := p.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`entityID="https://okienko.example/saml/metadata"`, `Location="https://okienko.example/saml/acs"`, `AuthnRequestsSigned="true"`, "<ds:Signature", `use="signing"`} {
		if !strings.Contains(string(md), want) {
			t.Errorf("metadata lacks %s:\n%s", want, md)
		}
	}
}
