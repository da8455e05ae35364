package web

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database"
)

// Problem is an RFC 9457 problem detail.
type Problem struct {
	Type     string            `json:"type"`
	Title    string            `json:"title"`
	Status   int               `json:"status"`
	Detail   string            `json:"detail,omitempty"`
	Instance string            `json:"instance,omitempty"`
	Errors   map[string]string `json:"errors,omitempty"`
}

var codeStatus = map[string]int{
	okienko.EBADREQUEST:   http.StatusBadRequest,
	okienko.EINVALID:      http.StatusUnprocessableEntity,
	okienko.EUNAUTHORIZED: http.StatusUnauthorized,
	okienko.EFORBIDDEN:    http.StatusForbidden,
	okienko.ENOTFOUND:     http.StatusNotFound,
	okienko.ECONFLICT:     http.StatusConflict,
	okienko.ETOOMANY:      http.StatusTooManyRequests,
	okienko.EMETHOD:       http.StatusMethodNotAllowed,
	okienko.EUNAVAILABLE:  http.StatusServiceUnavailable,
	okienko.EINTERNAL:     http.StatusInternalServerError,
}

// errorStatus returns the HTTP status for an application error code.
func errorStatus(code string) int {
	if s, ok := codeStatus[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// errorHandler is the one place errors become responses: application errors
// map by code to problem+json (Warsaw's error shape under openDataPrefix); Fiber's own errors keep their status; anything
// else is logged with the request id and answered as a bare 500.
func errorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		p := Problem{Type: "about:blank", Instance: c.Path()}
		var fe *fiber.Error
		switch {
		case errors.As(err, &fe):
			p.Status = fe.Code
			p.Detail = fe.Message
			if fe.Code == fiber.StatusRequestEntityTooLarge {
				p.Detail = "the request body is larger than the limit of 64 KiB"
			}
		case outage(err):
			log.Warn("database unreachable", "err", err, "method", c.Method(), "path", c.Path(), "request_id", requestID(c))
			p.Status = http.StatusServiceUnavailable
			p.Detail = "The database can't be reached right now; please try again in a moment."
			c.Set(fiber.HeaderRetryAfter, retryAfterSeconds(outageRetry))
		default:
			e := okienko.AsError(err)
			p.Status = errorStatus(e.Code)
			p.Errors = e.Fields
			if e.Code == okienko.EINTERNAL {
				log.Error("internal error", "err", err, "method", c.Method(), "path", c.Path(), "request_id", requestID(c))
				p.Detail = "Something went wrong on our side. The error has been logged; please try again."
			} else {
				p.Detail = e.Message
			}
			if e.Code == okienko.ETOOMANY {
				c.Set(fiber.HeaderRetryAfter, retryAfterSeconds(e.RetryAfter))
			}
			if e.Code == okienko.EUNAVAILABLE {
				// The cause (a directory's certificate, a refused service
				// account) is for the operator, not the client.
				log.Warn("a service we depend on is out of reach", "err", err, "method", c.Method(), "path", c.Path(), "request_id", requestID(c))
				c.Set(fiber.HeaderRetryAfter, retryAfterSeconds(max(e.RetryAfter, outageRetry)))
			}
		}
		p.Title = http.StatusText(p.Status)
		if p.Title == "" {
			p.Title = "Error"
		}
		if strings.HasPrefix(c.Path(), openDataPrefix) {
			return openDataFailure(c, p)
		}
		c.Status(p.Status)
		c.Set(fiber.HeaderContentType, "application/problem+json")
		return c.JSON(p, "application/problem+json")
	}
}

// outageRetry is how long a client is asked to wait when the database can't
// be reached.
const outageRetry = 5 * time.Second

// outage reports an internal error whose cause is the database out of
// reach: answered 503 with Retry-After, not 500, so clients and load
// balancers can tell an outage from a bug.
func outage(err error) bool {
	return okienko.ErrorCode(err) == okienko.EINTERNAL && database.IsUnavailable(err)
}

// retryAfterSeconds formats a wait for the Retry-After header: whole
// seconds, rounded up, at least 1.
func retryAfterSeconds(d time.Duration) string {
	secs := int(d.Seconds() + 0.999)
	if secs < 1 {
		secs = 1
	}
	return strconv.Itoa(secs)
}
