// Package okienko holds what every part of the system shares: the application
// error type, the clock and the acting user carried in a context.
package okienko

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Error codes. The web layer maps each to one HTTP status.
const (
	EINVALID      = "invalid"            // bad input: 422 (400 for a malformed request)
	EBADREQUEST   = "bad_request"        // the request itself can't be read: 400
	EUNAUTHORIZED = "unauthorized"       // no or bad credentials: 401
	EFORBIDDEN    = "forbidden"          // authenticated but not allowed: 403
	ENOTFOUND     = "not_found"          // 404
	ECONFLICT     = "conflict"           // state or uniqueness conflict: 409
	ETOOMANY      = "too_many_requests"  // rate limited: 429
	EMETHOD       = "method_not_allowed" // a known path, another method: 405
	EUNAVAILABLE  = "unavailable"        // a service we depend on (a directory, a provider) is out of reach: 503
	EINTERNAL     = "internal"           // everything else: 500, never shown
)

// Error is the application error. Message is safe to show to users; Err, when
// set, is the internal cause, logged but never shown.
type Error struct {
	Code       string
	Message    string
	Fields     map[string]string // field name → what is wrong with it
	RetryAfter time.Duration     // for ETOOMANY
	Err        error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a user-facing message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected error; its text is never shown to users.
func Internal(err error) *Error {
	return &Error{Code: EINTERNAL, Message: "internal error", Err: err}
}

// FieldErrors collects validation messages by field name.
type FieldErrors map[string]string

// Add records msg for field unless the field already has a message.
func (f FieldErrors) Add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// Err returns an EINVALID *Error naming the fields, or nil when there are none.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	names := make([]string, 0, len(f))
	for k := range f {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = k + ": " + f[k]
	}
	return &Error{Code: EINVALID, Message: "invalid input: " + strings.Join(parts, "; "), Fields: f}
}

// Invalid returns an EINVALID error for one field.
func Invalid(field, msg string) *Error {
	return &Error{Code: EINVALID, Message: msg, Fields: map[string]string{field: msg}}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// AsError returns the first *Error in err's chain, or an EINTERNAL wrapping err.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// ErrorOrInternal is what a store returns for err: nil for nil, the first
// *Error in err's chain as it is, anything else wrapped as EINTERNAL.
func ErrorOrInternal(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}
