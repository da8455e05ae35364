package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/booking/calendartest"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/notify/outbox"
)

// smtpServer is an in-process SMTP server speaking just enough ESMTP
// (sessionServer). It hands each message's DATA to got.
func smtpServer(t *testing.T) (addr string, got chan []byte) {
	t.Helper()
	got = make(chan []byte, 10)
	return newSessionServer(t, func(s *sessionServer) { s.got = got }).addr, got
}

// part is a leaf of a MIME tree.
type part struct {
	header mail.Header
	typ    string
	body   []byte
}

func walk(t *testing.T, h mail.Header, body io.Reader, out *[]part) {
	t.Helper()
	typ, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		t.Fatalf("content type %q: %v", h.Get("Content-Type"), err)
	}
	if strings.HasPrefix(typ, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			walk(t, mail.Header(p.Header), p, out)
		}
	}
	raw, _ := io.ReadAll(body)
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "base64":
		raw, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(raw)), ""))
		if err != nil {
			t.Fatal(err)
		}
	case "quoted-printable":
		raw, _ = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
	}
	*out = append(*out, part{header: h, typ: typ, body: raw})
}

// sendOneOverSMTP sends f's one due e-mail through an in-process SMTP
// server and returns the worker and the message the server received.
func sendOneOverSMTP(t *testing.T, f *fixture) (*Worker, *mail.Message) {
	t.Helper()
	addr, got := smtpServer(t)
	sender, err := NewSMTPSender("smtp://"+addr, "Urząd Testowy <okienko@urzad.example>", TLSOff, WithSMTPTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	w := f.worker(sender, &recorder{})
	if n, err := w.RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("sent %d, %v", n, err)
	}
	var data []byte
	select {
	case data = <-got:
	default:
		t.Fatal("the server received no message")
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return w, msg
}

func TestSMTPConfirmation(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		b := f.book(t, "pl", "")
		w, msg := sendOneOverSMTP(t, f)
		dec := new(mime.WordDecoder)
		key := outbox.BookingKey(b.ID, outbox.Confirmation, outbox.Email)
		from, _ := msg.Header.AddressList("From")
		to, _ := msg.Header.AddressList("To")
		subject, _ := dec.DecodeHeader(msg.Header.Get("Subject"))
		if len(from) != 1 || from[0].Address != "okienko@urzad.example" || from[0].Name != "Urząd Testowy" {
			t.Errorf("From: %v", from)
		}
		if len(to) != 1 || to[0].Address != "jan.kowalski@example.pl" {
			t.Errorf("To: %v", to)
		}
		code := b.Code[:4] + "-" + b.Code[4:]
		if !strings.HasPrefix(subject, "Potwierdzenie rezerwacji "+code) {
			t.Errorf("Subject: %q", subject)
		}
		if got, want := msg.Header.Get("Message-ID"), "<"+w.MessageID(key)+">"; got != want {
			t.Errorf("Message-ID %q, want %q", got, want)
		}
		if !msgID.MatchString(msg.Header.Get("Message-ID")) || !strings.HasSuffix(msg.Header.Get("Message-ID"), "@urzad.example>") {
			t.Errorf("Message-ID %q is not <random@host of the base URL>", msg.Header.Get("Message-ID"))
		}
		var parts []part
		walk(t, mail.Header(msg.Header), msg.Body, &parts)
		byType := map[string]part{}
		for _, p := range parts {
			byType[p.typ] = p
		}
		text, html, png, cal := byType["text/plain"], byType["text/html"], byType["image/png"], byType["text/calendar"]
		manage := "https://urzad.example/rezerwacja/" + code
		for _, want := range []string{code, f.week.Date(1) + ", godz. 10:00", manage, manage + "/odwolaj", "Wniosek o dowód osobisty"} {
			if !strings.Contains(string(text.body), want) {
				t.Errorf("text part lacks %q:\n%s", want, text.body)
			}
		}
		if !strings.Contains(string(html.body), `href="`+manage+`"`) || !strings.Contains(string(html.body), "cid:") {
			t.Errorf("html part lacks the link or the QR image:\n%s", html.body)
		}
		if !bytes.HasPrefix(png.body, []byte("\x89PNG")) || !strings.Contains(png.header.Get("Content-ID"), "qr-"+b.Code) {
			t.Errorf("inline QR: %d bytes, Content-ID %q", len(png.body), png.header.Get("Content-ID"))
		}
		if typ, params, _ := mime.ParseMediaType(cal.header.Get("Content-Type")); typ != "text/calendar" || params["charset"] != "utf-8" || params["method"] != "PUBLISH" {
			t.Errorf(".ics part's Content-Type %q, want text/calendar with charset=utf-8 and method=PUBLISH", cal.header.Get("Content-Type"))
		}
		c, ev := calendartest.Parse(t, cal.body)
		calendartest.Expect(t, c, ev, "PUBLISH", "CONFIRMED", booking.CalendarUID(b, "https://urzad.example"), 0)
		if got := calendartest.Value(ev, ics.ComponentPropertySummary); got != "Urząd Testowy: Wniosek o dowód osobisty" {
			t.Errorf(".ics SUMMARY %q", got)
		}
		start, err := ev.GetStartAt()
		if err != nil || !start.Equal(b.StartsAt) {
			t.Errorf(".ics DTSTART %v (%v), want %v", start, err, b.StartsAt)
		}
		// The .ics is stamped when composed, by the injected clock (unlike
		// the mail's Date header, which go-mail sets from real time).
		if stamp, err := ev.GetDtStampTime(); err != nil || !stamp.Equal(f.clock.Now()) {
			t.Errorf(".ics DTSTAMP %v (%v), want %v", stamp, err, f.clock.Now())
		}
		if desc := ev.GetProperty(ics.ComponentPropertyDescription); desc == nil || !strings.Contains(desc.Value, code) {
			t.Errorf(".ics description lacks the code %s", code)
		}
		m := messages(t, db)[0]
		if m.State != outbox.Sent || m.Recipient != "j***@example.pl" {
			t.Errorf("outbox row: state %s, recipient %q", m.State, m.Recipient)
		}
	})
}

func TestSMTPURLRequiresTLS(t *testing.T) {
	for _, u := range []string{"http://host", "smtp://", "smtp://host:x"} {
		if _, err := NewSMTPSender(u, "a@b.pl", TLSRequired); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
	// smtp:// in the required mode refuses a server without STARTTLS.
	addr, got := smtpServer(t)
	s, err := NewSMTPSender("smtp://"+addr, "a@b.pl", TLSRequired, WithSMTPTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), &Outgoing{Key: "k", To: "c@d.pl", Subject: "s", Text: "t"})
	if err == nil {
		t.Fatal("sent in plain text over smtp://")
	}
	select {
	case <-got:
		t.Fatal("the server received a message without TLS")
	default:
	}
}

func TestSMTPTLSModes(t *testing.T) {
	for _, v := range []string{"required", "opportunistic", "off"} {
		if m, err := ParseTLSMode(v); err != nil || string(m) != v {
			t.Errorf("ParseTLSMode(%q) = %q, %v", v, m, err)
		}
	}
	for _, v := range []string{"", "on", "REQUIRED", "starttls"} {
		if _, err := ParseTLSMode(v); err == nil || !strings.Contains(err.Error(), "OKIENKO_SMTP_TLS") {
			t.Errorf("ParseTLSMode(%q): %v, want an error naming OKIENKO_SMTP_TLS", v, err)
		}
	}
	for _, m := range []TLSMode{TLSRequired, TLSOpportunistic} {
		if _, err := NewSMTPSender("smtps://host", "a@b.pl", m); err != nil {
			t.Errorf("smtps:// with %s: %v", m, err)
		}
	}
	_, err := NewSMTPSender("smtps://host", "a@b.pl", TLSOff)
	if err == nil || !strings.Contains(err.Error(), "OKIENKO_SMTP_TLS=off") || !strings.Contains(err.Error(), "smtps://") {
		t.Errorf("smtps:// with off: %v, want an error naming both", err)
	}
	if _, err := NewSMTPSender("smtp://host", "a@b.pl", "plain"); err == nil {
		t.Error("an unknown mode accepted")
	}
}

// The Message-ID is the message's own when it has one, else derived from
// the key; a malformed one fails the message for good, sending nothing.
func TestSMTPMessageID(t *testing.T) {
	id, err := messageID(&Outgoing{Key: "booking:7:confirmation:email", MessageID: "3f9a01@okienko.example.gov.pl"})
	if err != nil || id != "3f9a01@okienko.example.gov.pl" {
		t.Errorf("given id: %q, %v", id, err)
	}
	id, err = messageID(&Outgoing{Key: "booking:7:confirmation:email"})
	sum := sha256.Sum256([]byte("booking:7:confirmation:email"))
	if err != nil || id != hex.EncodeToString(sum[:])+"@okienko.invalid" {
		t.Errorf("derived id: %q, %v", id, err)
	}
	for _, bad := range []string{"<a@b>", "a:b@c", "a@b@c", "a..b@c", ".a@b", "a@", "@b", "a b@c", "a@b\r\nBcc: x@y"} {
		if _, err := messageID(&Outgoing{Key: "k", MessageID: bad}); err == nil {
			t.Errorf("Message-ID %q accepted", bad)
		}
	}
	addr, got := smtpServer(t)
	s, err := NewSMTPSender("smtp://"+addr, "a@b.pl", TLSOff, WithSMTPTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), &Outgoing{Key: "k", MessageID: "a:b@c", To: "c@d.pl", Subject: "s", Text: "t"})
	if !IsPermanent(err) {
		t.Fatalf("a malformed Message-ID: %v, want a permanent error", err)
	}
	select {
	case <-got:
		t.Fatal("the server received a message with a malformed Message-ID")
	default:
	}
}
