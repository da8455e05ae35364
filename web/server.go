// Package web is the HTTP face of Okienko: the JSON API, the pages and their
// assets, authentication and the middleware around them. It translates HTTP
// into calls on the domain packages and their errors back into HTTP.
package web

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/display"
	"github.com/okienko/okienko/kiosk"
	"github.com/okienko/okienko/notify"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/pickup"
	"github.com/okienko/okienko/queue"
	"github.com/okienko/okienko/ratelimit"
	"github.com/okienko/okienko/ratelimit/proof"
)

// Deps are what the server needs from the rest of the program.
type Deps struct {
	DB       *gorm.DB
	Clock    okienko.Clock
	Log      *slog.Logger
	Offices  *office.Store
	Auth     *auth.Store
	Bookings *booking.Store
	Queue    *queue.Store
	Kiosks   *kiosk.Store
	// Pickups keeps the pickup notices; nil: a store on DB.
	Pickups *pickup.Store
	// Webhooks keeps the webhook endpoints; nil: a store on DB that tells
	// no other instance of its changes.
	Webhooks *notify.Webhooks
	// Board is the live hall board the websockets serve; its Run belongs to
	// the caller.
	Board *display.Board
	// Proofs issues and verifies the proof-of-work challenges of matters
	// that ask for them; nil: a Checker of the default difficulty with a
	// random key, good for one instance only.
	Proofs *proof.Checker
	// RateLimits of the resident API; zero: DefaultRateLimits.
	RateLimits RateLimits
	// Limiter counts the rate limits; nil: the database's counter on
	// PostgreSQL (shared by the instances), memory on SQLite.
	Limiter  ratelimit.Limiter
	Registry prometheus.Registerer // where HTTP metrics are registered; nil: a private registry
	Gatherer prometheus.Gatherer   // what /metrics serves; nil: the private registry
	// BaseURL is the public URL of the server, e.g. https://okienko.example.pl.
	BaseURL string
	Version string
	// Residents signs residents in with the national trusted profile
	// (auth/trusted); nil: off, residents type their details.
	Residents auth.ResidentSignIn
	// ResidentSeal keeps the signed-in resident in a cookie; nil with
	// Residents: one with a random key, good for one instance only.
	ResidentSeal *auth.ResidentSeal
	// TrustedProxies are the addresses (IPs or CIDRs) of reverse proxies whose
	// X-Forwarded-For is believed. Empty: the peer address is the client.
	TrustedProxies []string
	// Redirector signs staff in through the office's OpenID provider
	// (auth/oidc); nil: no such button or routes.
	Redirector auth.Redirector
}

// Server is the Fiber application with its dependencies.
type Server struct {
	Deps
	app          *fiber.App
	secureCookie bool
	proxies      []netip.Prefix // trusted reverse proxies (Deps.TrustedProxies)
	routeTable   []fiber.Route  // every route, for the Allow header of a 405
	sockets      sockets
	socketWrites sync.Pool // websocket write buffers, held only while writing
	metrics      *metrics
	limiter      ratelimit.Limiter // Deps.Limiter or newLimiter's
}

// New builds the server and mounts every route.
func New(d Deps) *Server {
	if d.Clock == nil {
		d.Clock = okienko.SystemClock{}
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.RateLimits == (RateLimits{}) {
		d.RateLimits = DefaultRateLimits
	}
	if d.RateLimits.Feedback == (Limit{}) {
		d.RateLimits.Feedback = DefaultRateLimits.Feedback
	}
	if d.RateLimits.SignIn == (Limit{}) {
		d.RateLimits.SignIn = DefaultRateLimits.SignIn
	}
	if d.Proofs == nil {
		key := make([]byte, 32)
		_, _ = rand.Read(key) // crypto/rand never fails on supported platforms
		d.Proofs = proof.New(d.DB, d.Clock, key, proof.Options{})
	}
	if d.Residents != nil && d.ResidentSeal == nil {
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		d.ResidentSeal = auth.NewResidentSeal(string(key), d.Clock)
	}
	if d.Pickups == nil {
		d.Pickups = pickup.NewStore(d.DB, d.Clock)
	}
	if d.Webhooks == nil {
		d.Webhooks = &notify.Webhooks{DB: d.DB, Clock: d.Clock}
	}
	if d.Registry == nil || d.Gatherer == nil {
		reg := prometheus.NewRegistry()
		d.Registry, d.Gatherer = reg, reg
	}
	s := &Server{Deps: d, secureCookie: strings.HasPrefix(d.BaseURL, "https://"), limiter: d.Limiter}
	if s.limiter == nil {
		s.limiter = newLimiter(d)
	}
	errs := errorHandler(d.Log)
	cfg := fiber.Config{
		AppName:               "okienko",
		BodyLimit:             MaxUploadBody,
		ReadTimeout:           30 * time.Second,
		IdleTimeout:           2 * time.Minute,
		ErrorHandler:          errs,
		DisableStartupMessage: true,
		StrictRouting:         false,
		CaseSensitive:         true,
		// Strings read from a request are copies, not views of fasthttp's
		// buffers, which the next request on the connection overwrites: a
		// value kept past the request (a metric label, a log field, a
		// cache key) stays what it was.
		Immutable: true,
	}
	proxies, err := ParseProxies(d.TrustedProxies)
	if err != nil {
		// The configuration is checked at start-up (ParseProxies); a list
		// given in code that isn't valid trusts nobody.
		d.Log.Error("trusted proxies ignored", "err", err)
	}
	s.proxies = proxies
	s.app = fiber.New(cfg)
	s.metrics = newMetrics(d.Registry)
	s.sockets.gauge = s.metrics.sockets
	s.app.Use(withRequestID, recoverPanics(d.Log), observe(d.Log, s.metrics, errs, s.clientIP), limitBody, securityHeaders(s.secureCookie), s.withActor)
	s.routes()
	return s
}

// App returns the Fiber application, for tests and for listening.
func (s *Server) App() *fiber.App { return s.app }

// Listen serves on addr until Shutdown.
func (s *Server) Listen(ln net.Listener) error { return s.app.Listener(ln) }

// Shutdown closes the websockets with a reason, stops accepting connections
// and waits for requests in flight, up to ctx's deadline.
func (s *Server) Shutdown(ctx context.Context) error {
	s.sockets.closeAll("server shutting down")
	return s.app.ShutdownWithContext(ctx)
}

// recoverPanics turns a panic in a handler into a logged internal error.
func recoverPanics(log *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) (err error) {
		defer func() {
			if r := recover(); r != nil {
				log.Error("panic in handler", "panic", r, "path", c.Path(), "request_id", requestID(c))
				err = okienko.Errorf(okienko.EINTERNAL, "internal error")
			}
		}()
		return c.Next()
	}
}

func (s *Server) routes() {
	app, d := s.app, s.Deps
	app.Get("/healthz", s.healthz)
	app.Get("/metrics", s.metricsHandler())
	app.Get("/api/openapi.yaml", serveOpenAPI)
	s.siteRoutes()    // the resident's booking site: /, /sprawy, /rezerwacja, /odwolaj
	s.trustedRoutes() // the trusted profile: /saml/…, when configured
	app.Get("/clerk", s.clerkPage)
	app.Get("/admin", s.adminPage)
	s.redirectRoutes() // /auth/{source}/start and /callback
	app.Get("/kiosk", s.kioskPage)
	app.Get("/display", s.displayPage)
	app.Get("/t/:public_id", s.ticketPage)
	app.Use("/static", staticFiles())

	app.Use("/ws", s.wsUpgrade)
	app.Get("/ws/display", socketKind("display"), websocket.New(s.wsDisplay, s.socketConfig()))
	app.Get("/ws/tickets/:public_id", socketKind("ticket"), websocket.New(s.wsTicket, s.socketConfig()))
	app.Get("/ws/kiosk/agent", s.requireKiosk, socketKind("agent"), websocket.New(s.wsAgent, s.socketConfig()))
	app.Get("/ws/counters/:id/queue", s.requireUser(okienko.RoleClerk, okienko.RoleAdmin), socketKind("counter"), websocket.New(s.wsCounterQueue, s.socketConfig()))
	app.Get("/ws/printers", s.requireUser(okienko.RoleClerk, okienko.RoleAdmin), socketKind("printers"), websocket.New(s.wsPrinters, s.socketConfig()))

	api := app.Group("/api/v1")
	api.Post("/auth/login", s.login)
	api.Post("/auth/logout", noBody, s.logout)
	api.Get("/auth/me", s.requireUser(okienko.RoleAdmin, okienko.RoleClerk), s.me)

	api.Get("/departments", s.publicDepartments)
	api.Get("/services/:id", s.publicService)
	api.Get("/services/:id/days", s.serviceDays)
	api.Get("/services/:id/slots", s.serviceSlots)
	api.Get("/attachments/:id/:filename", s.downloadAttachment)
	api.Get("/displays/:id", s.publicDisplay)
	api.Get("/challenge", s.challenge)

	lookup := s.rateLimit("lookup", d.RateLimits.Lookup, missedLookup)
	cancel := s.rateLimit("cancel", d.RateLimits.Cancel, madeOrMissed)
	api.Post("/bookings", s.optionalStaff, unlessStaff(s.rateLimit("book", d.RateLimits.Book, madeIt)), s.createBooking)
	api.Post("/remote-tickets", s.rateLimit("book", d.RateLimits.Book, madeIt), s.createRemoteTicket)
	api.Post("/bookings/cancel", cancel, s.cancelByDay)
	api.Get("/bookings/:code", lookup, s.getBooking)
	api.Get("/bookings/:code/calendar.ics", lookup, s.bookingCalendar)
	api.Post("/bookings/:code/cancel", cancel, lookup, s.cancelByCode)
	api.Post("/bookings/:code/confirm", lookup, s.confirmBooking)
	api.Post("/bookings/:code/reschedule", cancel, lookup, s.rescheduleBooking)
	api.Post("/waitlist", s.rateLimit("book", d.RateLimits.Book, madeIt), s.joinWaitlist)
	api.Post("/waitlist/:id/accept", lookup, s.acceptOffer)
	api.Post("/waitlist/:id/cancel", cancel, lookup, s.leaveWaitlist)

	api.Get("/tickets/:public_id/qr.svg", s.ticketQR)
	api.Get("/tickets/:public_id", s.ticketStatus)
	api.Post("/tickets/:public_id/feedback", s.rateLimit("feedback", d.RateLimits.Feedback, madeIt), lookup, s.giveFeedback)
	api.Get("/open-data/offices", s.openDataOffices)
	api.Get("/open-data/queues", s.openDataQueues)
	kioskAPI := api.Group("/kiosk", s.requireKiosk)
	kioskAPI.Post("/tickets", s.kioskTicket)
	kioskAPI.Post("/checkin", s.kioskCheckin)
	kioskAPI.Get("/me", s.kioskMe)

	clerk := s.requireUser(okienko.RoleClerk, okienko.RoleAdmin)
	s.pickupRoutes(api, clerk, lookup)
	api.Get("/counters", clerk, s.counters)
	api.Post("/counters/:id/open", clerk, s.openCounter)
	for _, a := range []string{"close", "resume"} {
		api.Post("/counters/:id/"+a, clerk, noBody, s.counterAction(a))
	}
	api.Post("/counters/:id/pause", clerk, s.counterAction("pause"))
	api.Get("/clerk/report", clerk, s.clerkReport)
	api.Get("/counters/:id/queue", clerk, s.counterQueue)
	api.Post("/counters/:id/next", clerk, noBody, s.callNext)
	api.Post("/counters/:id/call", clerk, s.callTicket)
	for _, a := range []queue.Action{queue.ActRecall, queue.ActStart, queue.ActNoShow, queue.ActReturn} {
		api.Post("/tickets/:id/"+string(a), clerk, noBody, s.ticketAction(a))
	}
	api.Post("/tickets/:id/"+string(queue.ActFinish), clerk, s.ticketAction(queue.ActFinish))
	api.Post("/tickets/:id/undo-no-show", clerk, noBody, s.undoNoShow)
	api.Post("/tickets/:id/transfer", clerk, s.transferTicket)
	api.Post("/tickets/:id/reprint", clerk, noBody, s.reprintTicket)
	api.Get("/printers", clerk, s.printers)

	admin := api.Group("/admin", s.requireUser(okienko.RoleAdmin))
	s.adminRoutes(admin)

	app.Use(func(c *fiber.Ctx) error {
		return s.unrouted(c, okienko.Errorf(okienko.ENOTFOUND, "no such page or endpoint: %s %s", c.Method(), c.Path()))
	})
	s.routeTable = app.GetRoutes(true)
}

// unrouted answers a request no route took: EMETHOD with the Allow header
// when routes of other methods take its path, else notFound.
func (s *Server) unrouted(c *fiber.Ctx, notFound error) error {
	var allow []string
	for _, r := range s.routeTable {
		if r.Method != c.Method() && !slices.Contains(allow, r.Method) && fiber.RoutePatternMatch(c.Path(), r.Path, s.app.Config()) {
			allow = append(allow, r.Method)
		}
	}
	if len(allow) == 0 {
		return notFound
	}
	slices.Sort(allow)
	c.Set(fiber.HeaderAllow, strings.Join(allow, ", "))
	return okienko.Errorf(okienko.EMETHOD, "%s is not allowed here; this address takes %s", c.Method(), strings.Join(allow, ", "))
}
