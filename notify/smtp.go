package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTPSender sends e-mail over SMTP with STARTTLS (smtp://, required) or
// implicit TLS (smtps://).
type SMTPSender struct {
	client   *gomail.Client
	fromName string
	fromAddr string
}

// SMTPOption changes how an SMTPSender connects.
type SMTPOption func(*smtpOptions)

type smtpOptions struct {
	insecure  bool
	tlsConfig *tls.Config
	timeout   time.Duration
}

// WithoutTLS lets an smtp:// server speak plain text, for tests against an
// in-process server only; production always requires STARTTLS.
func WithoutTLS() SMTPOption { return func(o *smtpOptions) { o.insecure = true } }

// WithTLSConfig sets the TLS configuration (e.g. a test CA).
func WithTLSConfig(c *tls.Config) SMTPOption { return func(o *smtpOptions) { o.tlsConfig = c } }

// WithSMTPTimeout sets the connection timeout (default 30 s).
func WithSMTPTimeout(d time.Duration) SMTPOption { return func(o *smtpOptions) { o.timeout = d } }

// NewSMTPSender returns a sender for rawURL, smtp://user:password@host:587
// (STARTTLS mandatory) or smtps://user:password@host:465 (TLS), sending
// from from ("Name <addr>" or an address).
func NewSMTPSender(rawURL, from string, opts ...SMTPOption) (*SMTPSender, error) {
	o := smtpOptions{timeout: 30 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("OKIENKO_SMTP_URL: %w", err)
	}
	addr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("OKIENKO_MAIL_FROM %q: %w", from, err)
	}
	copts := []gomail.Option{gomail.WithTimeout(o.timeout), gomail.WithoutNoop()}
	port := 587
	switch u.Scheme {
	case "smtp":
		if o.insecure {
			copts = append(copts, gomail.WithTLSPolicy(gomail.NoTLS))
		} else {
			copts = append(copts, gomail.WithTLSPolicy(gomail.TLSMandatory))
		}
	case "smtps":
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
		copts = append(copts, gomail.WithTLSConfig(o.tlsConfig))
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

// Send delivers m in one SMTP session: text and HTML parts, inline images
// and attachments, Message-ID <key@okienko>. A rejected recipient or
// message (5xx) is a permanent failure; anything else is retried.
func (s *SMTPSender) Send(ctx context.Context, m *Outgoing) error {
	msg := gomail.NewMsg()
	if err := msg.FromFormat(s.fromName, s.fromAddr); err != nil {
		return Permanent(err)
	}
	if err := msg.AddToFormat(m.Name, m.To); err != nil {
		return Permanent(fmt.Errorf("recipient: %w", err))
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
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
	err := s.client.DialAndSendWithContext(ctx, msg)
	if err == nil {
		return nil
	}
	var se *gomail.SendError
	if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
		return Permanent(err)
	}
	return err
}
