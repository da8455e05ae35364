package web

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/ratelimit"
)

// Limit is at most Max requests per Window from one client address.
type Limit struct {
	Max    int
	Window time.Duration
}

// RateLimits are the per-address limits of the resident API. Their state is
// kept in the database, so they hold across instances.
type RateLimits struct {
	Book   Limit // POST /bookings
	Cancel Limit // the two cancel endpoints
	Lookup Limit // reading a booking or its calendar by code
}

// DefaultRateLimits leave room for a family booking together behind one
// address and stop bots guessing codes.
var DefaultRateLimits = RateLimits{
	Book:   Limit{Max: 10, Window: 10 * time.Minute},
	Cancel: Limit{Max: 10, Window: 10 * time.Minute},
	Lookup: Limit{Max: 60, Window: 10 * time.Minute},
}

// LimiterPrefix namespaces the rate limiter's keys in the shared storage.
const LimiterPrefix = "limit:"

// rateLimit limits requests per client address under name, answering 429
// problem+json with Retry-After past the limit.
func (s *Server) rateLimit(name string, l Limit) fiber.Handler {
	return limiter.New(limiter.Config{
		Max:        l.Max,
		Expiration: l.Window,
		KeyGenerator: func(c *fiber.Ctx) string {
			return name + ":" + s.clientIP(c)
		},
		Storage: ratelimit.NewStorage(s.DB, s.Clock, LimiterPrefix),
		LimitReached: func(c *fiber.Ctx) error {
			secs, _ := strconv.Atoi(string(c.Response().Header.Peek(fiber.HeaderRetryAfter)))
			return &okienko.Error{
				Code:       okienko.ETOOMANY,
				Message:    "too many requests from your address; please wait before trying again",
				RetryAfter: time.Duration(secs) * time.Second,
			}
		},
	})
}
