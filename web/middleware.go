package web

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"regexp"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
)

const requestIDKey = "request_id"

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// withRequestID takes a sane X-Request-ID from the client or makes one, and
// answers it in the response.
func withRequestID(c *fiber.Ctx) error {
	id := c.Get(fiber.HeaderXRequestID)
	if !validRequestID.MatchString(id) {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Locals(requestIDKey, id)
	c.Set(fiber.HeaderXRequestID, id)
	return c.Next()
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(requestIDKey).(string)
	return id
}

// metrics holds the Prometheus collectors of the HTTP layer.
type metrics struct {
	duration *prometheus.HistogramVec
	agents   prometheus.Gauge // kiosk agents connected to this instance
	sockets  *prometheus.GaugeVec
}

// socketKinds are the websockets by route, each a value of the kind label
// of okienko_websocket_connections.
var socketKinds = []string{"display", "ticket", "agent", "counter", "printers"}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "okienko",
			Name:      "http_request_duration_seconds",
			Help:      "HTTP request durations by method, route pattern and status.",
			Buckets:   []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route", "status"}),
		agents: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "okienko",
			Name:      "kiosk_agents_connected",
			Help:      "Kiosk printer agents holding a websocket to this instance.",
		}),
		sockets: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "okienko",
			Name:      "websocket_connections",
			Help:      "Websockets open on this instance, by kind: display (hall displays), ticket (residents' ticket pages), agent (kiosk agents), counter (clerks' queues), printers (staff's printer lists).",
		}, []string{"kind"}),
	}
	for _, k := range socketKinds {
		m.sockets.WithLabelValues(k)
	}
	reg.MustRegister(m.duration, m.agents, m.sockets)
	return m
}

// observe logs every request and records its duration by route pattern (not
// path, so ids don't explode the label set). Errors are rendered first, so
// the status logged is the one sent.
func observe(log *slog.Logger, m *metrics, errHandler fiber.ErrorHandler, clientIP func(*fiber.Ctx) string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		err := c.Next()
		if err != nil {
			if herr := errHandler(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		status := c.Response().StatusCode()
		route := c.Route().Path
		if status == fiber.StatusNotFound && route == "/" && c.Path() != "/" {
			route = "unmatched"
		}
		elapsed := time.Since(start)
		m.duration.WithLabelValues(methodLabel(c.Method()), route, strconv.Itoa(status)).Observe(elapsed.Seconds())
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		log.LogAttrs(c.UserContext(), level, "request",
			slog.String("method", c.Method()),
			slog.String("path", c.Path()),
			slog.Int("status", status),
			slog.Duration("duration", elapsed),
			slog.String("ip", clientIP(c)),
			slog.String("request_id", requestID(c)),
		)
		return nil
	}
}

// methodLabels are the methods HTTP defines, each its own metric label.
var methodLabels = map[string]string{
	fiber.MethodGet: fiber.MethodGet, fiber.MethodHead: fiber.MethodHead, fiber.MethodPost: fiber.MethodPost,
	fiber.MethodPut: fiber.MethodPut, fiber.MethodPatch: fiber.MethodPatch, fiber.MethodDelete: fiber.MethodDelete,
	fiber.MethodOptions: fiber.MethodOptions, fiber.MethodConnect: fiber.MethodConnect, fiber.MethodTrace: fiber.MethodTrace,
}

// methodLabel is the method as a metric label: a constant string (never a
// view of a request's buffer), and "other" for a method HTTP doesn't
// define, so a client inventing methods can't grow the label set.
func methodLabel(m string) string {
	if l, ok := methodLabels[m]; ok {
		return l
	}
	return "other"
}

// securityHeaders sets the headers every response carries. The content
// security policy allows nothing from other hosts. Served at an https:// base
// URL, browsers are also told to come back only over HTTPS, for a year
// (relative, like every lifetime the server sends).
func securityHeaders(https bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if https {
			c.Response().Header.Set("Strict-Transport-Security", "max-age=31536000")
		}
		return setSecurityHeaders(c)
	}
}

func setSecurityHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	return c.Next()
}
