package web

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/ratelimit"
)

// Limit is at most Max counted requests per Window from one client address:
// an IPv4 address, or an IPv6 /64 (one household's or phone's network).
type Limit struct {
	Max    int
	Window time.Duration
}

// RateLimits are the per-address limits of the resident API and site, which
// count what people do, not their mistakes (DESIGN section 12): a request
// refused for its input (422), a conflict (409: a full slot, the resident's
// own limits) or the server's failure is taken back. On PostgreSQL the
// counts are in the database, so they hold across instances.
type RateLimits struct {
	Book   Limit // bookings made (POST /bookings and the site's form)
	Cancel Limit // cancellations made, and those asked of a booking that isn't there
	Lookup Limit // failed look-ups by code (404): guessing codes
	// Feedback counts the answers about visits taken (POST
	// /tickets/{public_id}/feedback); zero: its default.
	Feedback Limit
	// SignIn counts the sign-ins through a provider that reach this
	// server: the OpenID provider's callbacks (each costs a token exchange)
	// and the starts of a trusted-profile sign-in (each a signed request
	// kept until its answer); zero: its default.
	SignIn Limit
}

// DefaultRateLimits leave room for a carrier NAT or a library's computers
// behind one address (60 bookings per 10 minutes) and stop bots guessing
// codes or stuffing the feedback.
var DefaultRateLimits = RateLimits{
	Book:   Limit{Max: 60, Window: 10 * time.Minute},
	Cancel: Limit{Max: 30, Window: 10 * time.Minute},
	Lookup: Limit{Max: 60, Window: 10 * time.Minute},
	// A hall's guest Wi-Fi is one address: a busy morning's residents
	// answering from it fit.
	Feedback: Limit{Max: 60, Window: 10 * time.Minute},
	// An office's staff behind one address all sign in in the morning;
	// residents of a hall's Wi-Fi sign in before booking.
	SignIn: Limit{Max: 60, Window: 10 * time.Minute},
}

// LimiterPrefix namespaces the rate limits' keys among the rate counters.
const LimiterPrefix = "limit:"

// newLimiter is the limiter the server counts with when Deps give none:
// the database's counter on PostgreSQL, shared by every instance; memory
// on SQLite, which has one instance.
func newLimiter(d Deps) ratelimit.Limiter {
	if d.DB != nil && d.DB.Dialector.Name() == "postgres" {
		return ratelimit.New(d.DB, d.Clock)
	}
	return ratelimit.NewMemory(d.Clock)
}

// The rules of which answers stay counted.
func madeIt(status int) bool       { return status < 400 }
func madeOrMissed(status int) bool { return status < 400 || status == http.StatusNotFound }
func missedLookup(status int) bool { return status == http.StatusNotFound }
func everyOne(int) bool            { return true }

// rateLimit limits requests per client address under name: past l it
// answers ETOOMANY with RetryAfter (429 problem+json with Retry-After, or
// the site's page); a request let through stays counted only when counts
// holds for the status it was answered with.
func (s *Server) rateLimit(name string, l Limit, counts func(status int) bool) fiber.Handler {
	return s.rateLimitOr(name, l, counts, nil)
}

// rateLimitOr is rateLimit answering a request past the limit with limited
// (when not nil) instead of the error.
func (s *Server) rateLimitOr(name string, l Limit, counts func(status int) bool, limited func(c *fiber.Ctx, tooMany *okienko.Error) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		key := LimiterPrefix + name + ":" + addressKey(s.clientIP(c))
		// The count and its refund are made even when the client goes away.
		ctx := context.WithoutCancel(c.UserContext())
		ok, end, err := ratelimit.Take(ctx, s.limiter, key, l.Max, l.Window)
		if err != nil {
			return err
		}
		if !ok {
			e := &okienko.Error{
				Code:       okienko.ETOOMANY,
				Message:    "too many requests from your address; please wait before trying again",
				RetryAfter: end.Sub(s.Clock.Now()),
			}
			if limited != nil {
				return limited(c, e)
			}
			return e
		}
		err = c.Next()
		if !counts(answered(c, err)) {
			if uerr := s.limiter.Undo(ctx, key); uerr != nil {
				s.Log.Warn("rate limit refund failed", "err", uerr, "key", key, "request_id", requestID(c))
			}
		}
		return err
	}
}

// answered is the status of the answer to c: the one written, or the one
// err will be answered with.
func answered(c *fiber.Ctx, err error) int {
	if err == nil {
		return c.Response().StatusCode()
	}
	var fe *fiber.Error
	switch {
	case errors.As(err, &fe):
		return fe.Code
	case outage(err):
		return http.StatusServiceUnavailable
	default:
		return errorStatus(okienko.AsError(err).Code)
	}
}

// addressKey is what the limits count a client address as: an IPv4 address
// itself, an IPv6 address its /64. Anything else (no address) as it is.
func addressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}
