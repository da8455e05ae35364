package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The tests in this file talk to a real postfix, as tools/smtp/postfix-start
// sets it up: TEST_SMTP_PLAIN never offers STARTTLS, TEST_SMTP_STARTTLS does
// with a certificate signed by TEST_SMTP_CA, and every message lands in the
// Maildir TEST_SMTP_MAILDIR.

// realSMTP is the test postfix.
type realSMTP struct {
	plain, starttls string // host:port
	maildir         string
	tls             *tls.Config // trusts the test CA
}

// postfix returns the test postfix from the TEST_SMTP_* variables. Without
// them it skips the test, or fails it under CI=true.
func postfix(t *testing.T) realSMTP {
	t.Helper()
	vars := []string{"TEST_SMTP_PLAIN", "TEST_SMTP_STARTTLS", "TEST_SMTP_CA", "TEST_SMTP_MAILDIR"}
	var missing []string
	for _, v := range vars {
		if os.Getenv(v) == "" {
			missing = append(missing, v)
		}
	}
	if len(missing) > 0 {
		msg := strings.Join(missing, ", ") + " not set: run eval \"$(tools/smtp/postfix-start)\" (as root, with postfix installed)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI requires the SMTP tests against postfix")
		}
		t.Skip(msg + "; the SMTP tests against postfix are skipped")
	}
	pem, err := os.ReadFile(os.Getenv("TEST_SMTP_CA"))
	if err != nil {
		t.Fatalf("TEST_SMTP_CA: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("TEST_SMTP_CA %s holds no PEM certificate", os.Getenv("TEST_SMTP_CA"))
	}
	return realSMTP{
		plain:    os.Getenv("TEST_SMTP_PLAIN"),
		starttls: os.Getenv("TEST_SMTP_STARTTLS"),
		maildir:  os.Getenv("TEST_SMTP_MAILDIR"),
		tls:      &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
	}
}

// sender returns an SMTPSender for smtp://addr in mode, trusting the test CA.
func (p realSMTP) sender(t *testing.T, addr string, mode TLSMode) *SMTPSender {
	t.Helper()
	s, err := NewSMTPSender("smtp://"+addr, "Urząd Dzielnicy Śródmieście <okienko@urzad.example>", mode,
		WithTLSConfig(p.tls), WithSMTPTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// token is a random hex string that makes a test's message its own.
func token(t *testing.T) string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// realMessage is a message with Polish letters in the subject, the names
// and the text, an HTML part and an .ics attachment. withID gives it a
// Message-ID of its own; without, the sender derives one from the key.
func realMessage(t *testing.T, withID bool) *Outgoing {
	tok := token(t)
	m := &Outgoing{
		Key:     "test:" + tok + ":confirmation:email",
		Channel: "email",
		To:      "jan.kowalski@example.pl",
		Name:    "Łukasz Żółć",
		Subject: "Potwierdzenie wizyty – zażółć gęślą jaźń " + tok,
		Text:    "Dzień dobry,\nwizyta w Wydziale Spraw Obywatelskich, kod " + tok + ".\nŻyczymy miłego dnia.\n",
		HTML:    "<p>Dzień dobry, kod <b>" + tok + "</b>.</p>",
		Attachments: []File{{Name: "wizyta.ics", ContentType: "text/calendar; charset=utf-8",
			Data: []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Okienko//PL\r\nBEGIN:VEVENT\r\nUID:" + tok + "\r\nSUMMARY:Wizyta – dowód osobisty\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")}},
	}
	if withID {
		m.MessageID = tok + "@okienko.example.gov.pl"
	}
	return m
}

// wantID is the Message-ID header m must arrive with.
func wantID(t *testing.T, m *Outgoing) string {
	id, err := messageID(m)
	if err != nil {
		t.Fatal(err)
	}
	return "<" + id + ">"
}

// find looks once through the Maildir's new/ and cur/ for the message whose
// Message-ID header is id; it returns the file's path and content.
func (p realSMTP) find(t *testing.T, id string) (path string, data []byte) {
	t.Helper()
	for _, sub := range []string{"new", "cur"} {
		entries, err := os.ReadDir(filepath.Join(p.maildir, sub))
		if err != nil && !os.IsNotExist(err) {
			t.Fatalf("TEST_SMTP_MAILDIR: %v", err)
		}
		for _, e := range entries {
			path := filepath.Join(p.maildir, sub, e.Name())
			data, err := os.ReadFile(path)
			if err != nil {
				continue // moved or removed meanwhile
			}
			msg, err := mail.ReadMessage(bytes.NewReader(data))
			if err == nil && msg.Header.Get("Message-ID") == id {
				return path, data
			}
		}
	}
	return "", nil
}

// delivered waits up to 10 s for postfix to deliver the message with
// Message-ID id and returns it; the file is removed when the test passes.
func (p realSMTP) delivered(t *testing.T, id string) []byte {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		path, data := p.find(t, id)
		if data != nil {
			t.Cleanup(func() {
				if !t.Failed() {
					os.Remove(path)
				}
			})
			return data
		}
		if time.Now().After(deadline) {
			t.Fatalf("no message with Message-ID %s in %s after 10 s", id, p.maildir)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// msgID is an RFC 5322 msg-id whose both sides are dot-atom-text (so no
// ':' and no spaces).
var msgID = regexp.MustCompile("^<[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*>$")

// receivedWith is the protocol of postfix's Received header: ESMTP or
// UTF8SMTP, and S when over TLS.
var receivedWith = regexp.MustCompile(` with (ESMTP|UTF8SMTP)(S?) id `)

// check parses a delivered message and asserts its headers and parts
// against m, and that postfix received it encrypted or not, as tls says.
func check(t *testing.T, data []byte, m *Outgoing, tls bool) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	// postfix's own Received header, the topmost, names the protocol: a
	// final S says the session was encrypted (RFC 3848). go-mail uses
	// SMTPUTF8 when offered, which postfix calls UTF8SMTP (RFC 6531).
	received := strings.Join(strings.Fields(msg.Header.Get("Received")), " ")
	proto := receivedWith.FindStringSubmatch(received)
	if proto == nil {
		t.Errorf("no ESMTP protocol in Received: %s", received)
	} else if encrypted := proto[2] == "S"; encrypted != tls {
		t.Errorf("received with %s, want TLS %v: %s", proto[1]+proto[2], tls, received)
	}

	raw := msg.Header.Get("Subject")
	subject, err := new(mime.WordDecoder).DecodeHeader(raw)
	if err != nil || subject != m.Subject {
		t.Errorf("Subject %q (%v), want %q", subject, err, m.Subject)
	}
	if !strings.Contains(raw, "=?UTF-8?") || strings.ContainsFunc(raw, func(r rune) bool { return r > 127 }) {
		t.Errorf("Subject is not in ASCII encoded words: %q", raw)
	}
	from, err := msg.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Address != "okienko@urzad.example" || from[0].Name != "Urząd Dzielnicy Śródmieście" {
		t.Errorf("From %v (%v)", from, err)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != m.To || to[0].Name != m.Name {
		t.Errorf("To %v (%v)", to, err)
	}
	id := msg.Header.Get("Message-ID")
	if !msgID.MatchString(id) || id != wantID(t, m) {
		t.Errorf("Message-ID %q, want %s, valid by RFC 5322", id, wantID(t, m))
	}
	if _, err := msg.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}

	var parts []part
	walk(t, mail.Header(msg.Header), msg.Body, &parts)
	var text, html, att *part
	for i, p := range parts {
		disp, params, _ := mime.ParseMediaType(p.header.Get("Content-Disposition"))
		switch {
		case disp == "attachment" && params["filename"] == "wizyta.ics":
			att = &parts[i]
		case p.typ == "text/plain":
			text = &parts[i]
		case p.typ == "text/html":
			html = &parts[i]
		}
	}
	if text == nil || strings.ReplaceAll(string(text.body), "\r\n", "\n") != m.Text {
		t.Errorf("text part %q, want %q", text, m.Text)
	}
	if html == nil || !strings.Contains(string(html.body), m.HTML) {
		t.Errorf("HTML part lacks %q", m.HTML)
	}
	if att == nil || !bytes.Equal(att.body, m.Attachments[0].Data) || att.typ != "text/calendar" {
		t.Errorf("attachment wizyta.ics: %+v", att)
	}
}

// Required: STARTTLS to a server that offers it delivers, encrypted; a
// server without STARTTLS gets nothing.
func TestRealSMTPRequired(t *testing.T) {
	p := postfix(t)
	t.Run("starttls", func(t *testing.T) {
		m := realMessage(t, true)
		if err := p.sender(t, p.starttls, TLSRequired).Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		check(t, p.delivered(t, wantID(t, m)), m, true)
	})
	t.Run("plain refused", func(t *testing.T) {
		m := realMessage(t, true)
		err := p.sender(t, p.plain, TLSRequired).Send(context.Background(), m)
		if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Fatalf("sent to a server without STARTTLS: %v, want an error about STARTTLS", err)
		}
		// A message sent after it, in plain text, arrives; the refused one
		// is not there with it.
		marker := realMessage(t, false)
		if err := p.sender(t, p.plain, TLSOff).Send(context.Background(), marker); err != nil {
			t.Fatal(err)
		}
		p.delivered(t, wantID(t, marker))
		if path, _ := p.find(t, wantID(t, m)); path != "" {
			t.Fatalf("the refused message was delivered: %s", path)
		}
	})
}

// Opportunistic: STARTTLS when offered (and then really encrypted), plain
// text otherwise.
func TestRealSMTPOpportunistic(t *testing.T) {
	p := postfix(t)
	for _, c := range []struct {
		name, addr string
		tls        bool
	}{{"starttls", p.starttls, true}, {"plain", p.plain, false}} {
		t.Run(c.name, func(t *testing.T) {
			m := realMessage(t, c.tls) // one with its own Message-ID, one derived
			if err := p.sender(t, c.addr, TLSOpportunistic).Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			check(t, p.delivered(t, wantID(t, m)), m, c.tls)
		})
	}
}

// Off: never STARTTLS, even where the server offers it.
func TestRealSMTPOff(t *testing.T) {
	p := postfix(t)
	for _, c := range []struct{ name, addr string }{{"plain", p.plain}, {"starttls offered", p.starttls}} {
		t.Run(c.name, func(t *testing.T) {
			m := realMessage(t, false)
			if err := p.sender(t, c.addr, TLSOff).Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			check(t, p.delivered(t, wantID(t, m)), m, false)
		})
	}
}

// One sender's messages share a session with postfix (RSET between them):
// five messages over STARTTLS each arrive, encrypted, and Close ends the
// session.
func TestRealSMTPSessionKept(t *testing.T) {
	p := postfix(t)
	s := p.sender(t, p.starttls, TLSRequired)
	var sent []*Outgoing
	for range 5 {
		m := realMessage(t, false)
		if err := s.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, m)
	}
	s.mu.Lock()
	open := len(s.idle)
	s.mu.Unlock()
	if open != 1 {
		t.Fatalf("%d sessions open after five messages one after another, want 1", open)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, m := range sent {
		check(t, p.delivered(t, wantID(t, m)), m, true)
	}
}
