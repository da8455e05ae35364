package web

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
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
// map by code to problem+json; Fiber's own errors keep their status; anything
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
		}
		p.Title = http.StatusText(p.Status)
		if p.Title == "" {
			p.Title = "Error"
		}
		c.Status(p.Status)
		c.Set(fiber.HeaderContentType, "application/problem+json")
		return c.JSON(p, "application/problem+json")
	}
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
