package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// TLSMode is how an smtp:// connection is protected (OKIENKO_SMTP_TLS);
// smtps:// is always implicit TLS.
type TLSMode string

const (
	// TLSRequired sends only after STARTTLS: a server that does not offer it
	// is refused before anything is sent. The default.
	TLSRequired TLSMode = "required"
	// TLSOpportunistic uses STARTTLS when the server offers it and sends in
	// plain text when it does not. A certificate that does not verify is an
	// error, not a reason to fall back to plain text.
	TLSOpportunistic TLSMode = "opportunistic"
	// TLSOff never uses STARTTLS, for an internal relay on port 25 or a
	// local postfix. Passwords are then never sent in the clear: only
	// challenge-response mechanisms (CRAM-MD5, SCRAM) are tried.
	TLSOff TLSMode = "off"
)

// ParseTLSMode returns the mode named s: required, opportunistic or off.
// Any other value is an error naming OKIENKO_SMTP_TLS.
func ParseTLSMode(s string) (TLSMode, error) {
	switch m := TLSMode(s); m {
	case TLSRequired, TLSOpportunistic, TLSOff:
		return m, nil
	}
	return "", fmt.Errorf("OKIENKO_SMTP_TLS must be required, opportunistic or off, not %q", s)
}

// SMTPSender sends e-mail over SMTP: smtp:// with STARTTLS as its TLSMode
// says, or smtps:// with implicit TLS.
//
// It keeps up to smtpIdleSessions sessions open between messages and sends
// up to smtpSessionMessages messages in one, so a burst of confirmations
// costs one connection, TLS handshake and login per session instead of one
// per message; a session left idle for smtpIdleTime is closed.
type SMTPSender struct {
	client   *gomail.Client
	fromName string
	fromAddr string

	mu   sync.Mutex
	idle []*smtpSession // most recently used last
}

const (
	// smtpSessionMessages is how many messages one session sends before
	// it is closed: the default limit of Exchange's receive connectors,
	// below which relays do not refuse a session's next message.
	smtpSessionMessages = 20
	// smtpIdleTime is how long an open session waits for the next message:
	// far below the 5 minutes RFC 5321 asks servers to wait.
	smtpIdleTime = 5 * time.Second
	// smtpIdleSessions bounds the sessions kept open between messages:
	// the outbox's e-mail lane sends up to DefaultConcurrency at once.
	smtpIdleSessions = DefaultConcurrency
)

// smtpSession is one open SMTP connection and how much it has sent.
type smtpSession struct {
	c     *smtp.Client
	sent  int
	timer *time.Timer // closes it when it has been idle smtpIdleTime
}

// SMTPOption changes how an SMTPSender connects.
type SMTPOption func(*smtpOptions)

type smtpOptions struct {
	tlsConfig *tls.Config
	timeout   time.Duration
}

// WithTLSConfig sets the TLS configuration (e.g. a test CA). An empty
// ServerName is taken from the URL's host.
func WithTLSConfig(c *tls.Config) SMTPOption { return func(o *smtpOptions) { o.tlsConfig = c } }

// WithSMTPTimeout sets the connection timeout (default 30 s).
func WithSMTPTimeout(d time.Duration) SMTPOption { return func(o *smtpOptions) { o.timeout = d } }

// NewSMTPSender returns a sender for rawURL, smtp://user:password@host:587
// (STARTTLS as mode says; the port defaults to 587) or
// smtps://user:password@host:465 (implicit TLS), sending from from
// ("Name <addr>" or an address). It connects to nothing yet. Errors, each
// naming its variable: a malformed URL or sender, a scheme other than
// smtp:// or smtps://, an unknown mode, and off with smtps://.
func NewSMTPSender(rawURL, from string, mode TLSMode, opts ...SMTPOption) (*SMTPSender, error) {
	o := smtpOptions{timeout: 30 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		// Not the URL itself: it may hold the password.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("OKIENKO_SMTP_URL: %w", err)
	}
	addr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("OKIENKO_MAIL_FROM %q: %w", from, err)
	}
	if _, err := ParseTLSMode(string(mode)); err != nil {
		return nil, err
	}
	copts := []gomail.Option{gomail.WithTimeout(o.timeout), gomail.WithoutNoop()}
	port := 587
	switch u.Scheme {
	case "smtp":
		policy := gomail.TLSMandatory
		switch mode {
		case TLSOpportunistic:
			policy = gomail.TLSOpportunistic
		case TLSOff:
			policy = gomail.NoTLS
		}
		copts = append(copts, gomail.WithTLSPolicy(policy))
	case "smtps":
		if mode == TLSOff {
			return nil, errors.New("OKIENKO_SMTP_TLS=off contradicts OKIENKO_SMTP_URL smtps://, which is always TLS: for a server without TLS use smtp://")
		}
		port = 465
		copts = append(copts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("OKIENKO_SMTP_URL must start with smtp:// or smtps://, not %q", u.Scheme+"://")
	}
	if u.Hostname() == "" {
		return nil, errors.New("OKIENKO_SMTP_URL has no host")
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("OKIENKO_SMTP_URL port %q: %w", p, err)
		}
	}
	copts = append(copts, gomail.WithPort(port))
	if o.tlsConfig != nil {
		c := o.tlsConfig
		if c.ServerName == "" {
			c = c.Clone()
			c.ServerName = u.Hostname()
		}
		copts = append(copts, gomail.WithTLSConfig(c))
	}
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		copts = append(copts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	c, err := gomail.NewClient(u.Hostname(), copts...)
	if err != nil {
		return nil, err
	}
	return &SMTPSender{client: c, fromName: addr.Name, fromAddr: addr.Address}, nil
}

// messageID returns m's Message-ID without the angle brackets: m.MessageID
// when set, else hex(SHA-256(m.Key))@okienko.invalid, valid by RFC 5322
// whatever the key holds. An error when m.MessageID is set but is no
// RFC 5322 id (dot-atom@dot-atom).
func messageID(m *Outgoing) (string, error) {
	if m.MessageID == "" {
		sum := sha256.Sum256([]byte(m.Key))
		return hex.EncodeToString(sum[:]) + "@okienko.invalid", nil
	}
	left, right, ok := strings.Cut(m.MessageID, "@")
	if !ok || !dotAtom(left) || !dotAtom(right) {
		return "", fmt.Errorf("the Message-ID %q is not local@domain of RFC 5322 (without angle brackets)", m.MessageID)
	}
	return m.MessageID, nil
}

// dotAtom reports whether s is an RFC 5322 dot-atom-text: atext runs
// joined by single dots.
func dotAtom(s string) bool {
	for _, run := range strings.Split(s, ".") {
		if run == "" {
			return false
		}
		for _, r := range run {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", r)) {
				return false
			}
		}
	}
	return true
}

// Send delivers m in an SMTP session, an open one or a new one: text and
// HTML parts, inline images and attachments, the Message-ID of messageID.
// A malformed Message-ID, a rejected recipient or message (5xx) is a
// permanent failure; anything else (no STARTTLS when required, a
// connection refused) is retried. A session that was kept open and turns
// out closed before the server took the message (it timed out, or refuses
// more messages on it) is replaced by a new one at once.
func (s *SMTPSender) Send(ctx context.Context, m *Outgoing) error {
	id, err := messageID(m)
	if err != nil {
		return Permanent(err)
	}
	msg := gomail.NewMsg()
	if err := msg.FromFormat(s.fromName, s.fromAddr); err != nil {
		return Permanent(err)
	}
	if err := msg.AddToFormat(m.Name, m.To); err != nil {
		return Permanent(fmt.Errorf("recipient: %w", err))
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(id)
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for _, f := range m.Inline {
		msg.EmbedReadSeeker(f.Name, bytes.NewReader(f.Data), gomail.WithFileContentType(gomail.ContentType(f.ContentType)), gomail.WithFileContentID(f.ContentID))
	}
	for _, f := range m.Attachments {
		msg.AttachReadSeeker(f.Name, bytes.NewReader(f.Data), gomail.WithFileContentType(gomail.ContentType(f.ContentType)))
	}

	if sess := s.takeIdle(); sess != nil {
		err := s.sendIn(sess, msg)
		if err == nil || !untaken(err) {
			return smtpOutcome(err)
		}
		// The kept session failed before the server took the message:
		// a new one decides.
	}
	c, err := s.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return fmt.Errorf("dial failed: %w", err)
	}
	return smtpOutcome(s.sendIn(&smtpSession{c: c}, msg))
}

// sendIn sends msg in sess and keeps the session open for the next
// message when it can send more, closes it otherwise. A failed RSET after
// the server took the message is no failure of the message.
func (s *SMTPSender) sendIn(sess *smtpSession, msg *gomail.Msg) error {
	err := s.client.SendWithSMTPClient(sess.c, msg)
	sess.sent++
	var se *gomail.SendError
	if err != nil && errors.As(err, &se) && se.Reason == gomail.ErrSMTPReset {
		_ = sess.c.Close()
		return nil
	}
	if err != nil || sess.sent >= smtpSessionMessages {
		_ = s.end(sess)
		return err
	}
	s.putIdle(sess)
	return nil
}

// untaken reports whether err left the message untaken by the server: the
// session failed before the DATA command (the connection check, MAIL FROM
// or RCPT TO with no answer or a temporary one).
func untaken(err error) bool {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return false
	}
	switch se.Reason {
	case gomail.ErrConnCheck, gomail.ErrSMTPMailFrom:
		return true
	case gomail.ErrSMTPRcptTo:
		return se.IsTemp() || se.ErrorCode() == 0
	}
	return false
}

// smtpOutcome is err as Send reports it: a 5xx refusal is permanent.
func smtpOutcome(err error) error {
	if err == nil {
		return nil
	}
	var se *gomail.SendError
	if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
		return Permanent(err)
	}
	return err
}

// takeIdle returns the most recently used open session, or nil. Once
// taken, a session is the caller's even if its idle timer has just fired:
// expire closes only sessions still idle.
func (s *SMTPSender) takeIdle() *smtpSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.idle) == 0 {
		return nil
	}
	sess := s.idle[len(s.idle)-1]
	s.idle = s.idle[:len(s.idle)-1]
	sess.timer.Stop()
	return sess
}

// putIdle keeps sess open for smtpIdleTime, or closes it when
// smtpIdleSessions are open already.
func (s *SMTPSender) putIdle(sess *smtpSession) {
	s.mu.Lock()
	if len(s.idle) >= smtpIdleSessions {
		s.mu.Unlock()
		_ = s.end(sess)
		return
	}
	sess.timer = time.AfterFunc(smtpIdleTime, func() { s.expire(sess) })
	s.idle = append(s.idle, sess)
	s.mu.Unlock()
}

// expire closes sess, idle for smtpIdleTime, unless it was taken.
func (s *SMTPSender) expire(sess *smtpSession) {
	s.mu.Lock()
	i := slices.Index(s.idle, sess)
	if i >= 0 {
		s.idle = slices.Delete(s.idle, i, i+1)
	}
	s.mu.Unlock()
	if i >= 0 {
		_ = s.end(sess)
	}
}

// end ends sess with QUIT, and closes its connection when QUIT fails (the
// server has closed it, say), which would leave it open.
func (s *SMTPSender) end(sess *smtpSession) error {
	err := s.client.CloseWithSMTPClient(sess.c)
	if err != nil {
		_ = sess.c.Close()
	}
	return err
}

// Close ends the sessions kept open (QUIT). The sender stays usable: the
// next message opens a new one.
func (s *SMTPSender) Close() error {
	s.mu.Lock()
	idle := s.idle
	s.idle = nil
	s.mu.Unlock()
	var errs []error
	for _, sess := range idle {
		sess.timer.Stop()
		errs = append(errs, s.end(sess))
	}
	return errors.Join(errs...)
}
