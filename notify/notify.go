// Package notify sends the outbox's messages: a Worker claims due messages
// (once across instances), composes them from the booking or ticket they
// concern, in the resident's language, and hands them to an e-mail or SMS
// Sender, retrying with exponential backoff until a final state. Delivery is
// at least once; each message's idempotency key goes to the provider (the
// e-mail Message-ID, SMSAPI's idx) so a resend after a crash is dropped.
package notify

import (
	"context"
	"errors"
)

// Outgoing is one composed message, ready for a Sender.
type Outgoing struct {
	Key         string // idempotency key, unique per installation
	MessageID   string // e-mail only: local@domain, without angle brackets; empty: derived from Key
	Channel     string // outbox.Email or outbox.SMS
	To          string // e-mail address or phone number (+48…)
	Name        string // the recipient's name, for e-mail
	Subject     string // e-mail only
	Text        string // the e-mail's text part, or the SMS
	HTML        string // e-mail only
	Attachments []File // e-mail only
	Inline      []File // e-mail only: images the HTML refers to as cid:ContentID
}

// File is an attachment or inline image.
type File struct {
	Name        string
	ContentType string
	ContentID   string // inline files only
	Data        []byte
}

// Sender delivers a message to a provider. An error wrapped with Permanent
// is final; any other error is retried.
type Sender interface {
	Send(ctx context.Context, m *Outgoing) error
}

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as final: the message fails without retries.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
