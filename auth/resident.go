package auth

import (
	"context"
	"time"

	"github.com/okienko/okienko"
)

// Resident is a resident as a national identity provider vouches for them:
// the name and PESEL of its assertion, for the booking flow only.
type Resident struct {
	GivenName  string `json:"g"`
	FamilyName string `json:"f"`
	PESEL      string `json:"p"`
	// Until is when the resident's sign-in stops counting for a booking
	// (by the server's clock).
	Until time.Time `json:"u"`
}

// Name is the resident's full name as a booking keeps it.
func (r *Resident) Name() string {
	switch {
	case r.GivenName == "":
		return r.FamilyName
	case r.FamilyName == "":
		return r.GivenName
	}
	return r.GivenName + " " + r.FamilyName
}

// MaskedPESEL is the PESEL with all but its last four digits hidden, as a
// page shows it.
func (r *Resident) MaskedPESEL() string {
	if len(r.PESEL) < 4 {
		return "•••••••••••"
	}
	return "•••••••" + r.PESEL[len(r.PESEL)-4:]
}

// ResidentSignIn is a sign-in provider for residents reached through the
// browser (the trusted profile, auth/trusted): web knows only this.
type ResidentSignIn interface {
	// Metadata is the provider's description of this service (SAML
	// metadata), for the identity provider's operator.
	Metadata() ([]byte, error)
	// Begin starts a sign-in that comes back to returnTo, a path of the
	// site, and returns where to send the browser. EINVALID for a returnTo
	// that is not a path of this site.
	Begin(ctx context.Context, returnTo string) (redirect string, err error)
	// SignInOrigin is the origin (scheme://host[:port]) Begin's redirects
	// lead to: a page whose form starts the sign-in must let its form go
	// there (CSP form-action).
	SignInOrigin() string
	// Finish checks the identity provider's answer (the POSTed
	// SAMLResponse and RelayState) and returns the resident and the path
	// its Begin was given. EUNAUTHORIZED for an answer that does not sign
	// a resident in (forged, for someone else, out of time, used before,
	// unasked for); EINVALID for one that is malformed.
	Finish(ctx context.Context, response, relayState string) (*Resident, string, error)
}

// ResidentTTL is how long a resident's sign-in serves the booking flow.
const ResidentTTL = 30 * time.Minute

// ResidentSeal turns a signed-in resident into a cookie value and back:
// sealed (Sealer) under a key of the server secret, so the cookie is both
// secret and unforgeable, and carries its own end (by the server's clock,
// which the browser never compares with its own: the cookie's Max-Age is
// relative).
type ResidentSeal struct {
	sealer *Sealer
	clock  okienko.Clock
}

// NewResidentSeal returns a seal keyed by secret (the server secret; the key
// is derived from it) on clock.
func NewResidentSeal(secret string, clock okienko.Clock) *ResidentSeal {
	return &ResidentSeal{sealer: NewSealer(SealKey(secret, "okienko/resident-cookie/v1")), clock: clock}
}

// Seal returns r as a cookie value that Open accepts until ResidentTTL from
// now, and that Max-Age.
func (s *ResidentSeal) Seal(r Resident) (string, time.Duration) {
	r.Until = s.clock.Now().UTC().Add(ResidentTTL)
	return s.sealer.Seal(r), ResidentTTL
}

// maxSealed bounds a cookie value Open reads.
const maxSealed = 1024

// Open reads a value Seal made: EUNAUTHORIZED when it is not one (altered,
// another secret's) or its time has passed.
func (s *ResidentSeal) Open(v string) (*Resident, error) {
	var r Resident
	if !s.sealer.Open(v, maxSealed, &r) || !s.clock.Now().Before(r.Until) || r.PESEL == "" {
		return nil, okienko.Errorf(okienko.EUNAUTHORIZED, "not signed in with the trusted profile, or the sign-in has expired")
	}
	return &r, nil
}
