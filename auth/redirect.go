package auth

import (
	"context"
	"errors"
	"net/url"
	"time"
)

// RedirectPendingTTL is how long a redirect sign-in may take at its
// provider: the pending sign-in is refused after it.
const RedirectPendingTTL = 10 * time.Minute

// Redirector is a sign-in provider the browser is sent to and comes back
// from (OpenID Connect). The web layer knows this interface, not the
// provider: it sends the browser to Begin's address, keeps the pending
// sign-in in a short-lived cookie, and hands the provider's answer to
// Finish; the person Finish returns signs in through Store.SignInWith.
type Redirector interface {
	// Source is the users' source this provider vouches for ("oidc").
	Source() string
	// Label is the text of the sign-in button, or "" for the pages' own.
	Label() string
	// Begin starts a sign-in that returns to next (a local path, already
	// checked by the caller). It returns the provider's address to send
	// the browser to and the pending sign-in, an opaque signed value to
	// keep in the browser until it comes back (RedirectPendingTTL at most).
	// EUNAVAILABLE when the provider can't be reached.
	Begin(ctx context.Context, next string) (to, pending string, err error)
	// Finish checks the provider's answer (the query of its redirect back)
	// against pending and returns the person it vouches for and the local
	// path the sign-in began for. Errors: EUNAUTHORIZED wrapping
	// ErrSignInInterrupted when pending is missing, forged, too old or for
	// another answer (state); EUNAUTHORIZED when the provider refused or its
	// answer can't be trusted (token, audience, expiry, nonce, signature);
	// EUNAVAILABLE when the provider can't be reached.
	Finish(ctx context.Context, pending string, answer url.Values) (*Identity, string, error)
}

// ErrSignInInterrupted is the cause of a redirect sign-in that can't be
// matched to one begun in this browser: it took too long, was begun in
// another window, or the answer was not meant for it.
var ErrSignInInterrupted = errors.New("the sign-in was not begun here or took too long")
