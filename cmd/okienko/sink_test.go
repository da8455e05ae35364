package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/mail"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// providerSink stands for the providers the server sends to, on real
// sockets: an SMTP server on TCP and an SMSAPI-compatible HTTP gateway
// (POST /sms.do). It counts a message only once it has answered it (250 to
// DATA, 200 to the POST), per Message-ID (e-mail) and per idx (SMS), and
// records when it answered. It can hold messages: not answer them until
// Release, and a held message whose connection dies meanwhile is dropped,
// never counted.
type providerSink struct {
	smtpAddr string // host:port of the SMTP server
	smsURL   string // base URL of the gateway

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every change
	answered map[string][]time.Time
	channel  map[string]string // id → "email" or "sms"
	dropped  map[string]int
	held     map[string]int // ids held now, alive
	arrivals int
	holdFrom int // hold arrivals numbered above it; below 0: never
	released chan struct{}
	isFree   bool      // released
	heldAt   time.Time // when the first message was held
}

// newProviderSink starts both servers, closed when the test ends.
func newProviderSink(tb testing.TB) *providerSink {
	tb.Helper()
	s := &providerSink{changed: make(chan struct{}), answered: map[string][]time.Time{}, channel: map[string]string{},
		dropped: map[string]int{}, held: map[string]int{}, holdFrom: -1, released: make(chan struct{})}
	smtpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s.smtpAddr = smtpLn.Addr().String()
	var conns sync.WaitGroup
	go func() {
		for {
			c, err := smtpLn.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer conns.Done()
				s.serveSMTP(c)
			}()
		}
	}()
	smsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s.smsURL = "http://" + smsLn.Addr().String()
	srv := &http.Server{Handler: http.HandlerFunc(s.serveSMS), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(smsLn) }()
	tb.Cleanup(func() {
		s.Release()
		_ = smtpLn.Close()
		_ = srv.Close()
	})
	return s
}

// HoldAfter makes the sink answer the first n messages to arrive (of both
// channels together) and hold every later one until Release.
func (s *providerSink) HoldAfter(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holdFrom = n
}

// Release answers the messages held alive and every later one at once.
func (s *providerSink) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.isFree {
		s.isFree = true
		close(s.released)
	}
}

// touch wakes the waiters; s.mu is held.
func (s *providerSink) touch() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// arrive counts a message that arrived whole and tells whether to hold it.
func (s *providerSink) arrive(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.arrivals++
	hold := !s.isFree && s.holdFrom >= 0 && s.arrivals > s.holdFrom
	if hold {
		if s.heldAt.IsZero() {
			s.heldAt = time.Now()
		}
		s.held[id]++
		s.touch()
	}
	return hold
}

// unhold ends a hold; died says the connection died meanwhile.
func (s *providerSink) unhold(id string, died bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held[id]--; s.held[id] <= 0 {
		delete(s.held, id)
	}
	if died {
		s.dropped[id]++
	}
	s.touch()
}

// answer records that id was answered (delivered) at at.
func (s *providerSink) answer(id, channel string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answered[id] = append(s.answered[id], at)
	s.channel[id] = channel
	s.touch()
}

// sinkState is a copy of what the sink saw.
type sinkState struct {
	Answered map[string][]time.Time
	Channel  map[string]string
	Dropped  map[string]int
	Held     map[string]int
	HeldAt   time.Time
}

func (s *providerSink) state() (sinkState, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := sinkState{Answered: map[string][]time.Time{}, Channel: map[string]string{}, Dropped: map[string]int{}, Held: map[string]int{}, HeldAt: s.heldAt}
	for k, v := range s.answered {
		st.Answered[k] = append([]time.Time(nil), v...)
	}
	for k, v := range s.channel {
		st.Channel[k] = v
	}
	for k, v := range s.dropped {
		st.Dropped[k] = v
	}
	for k, v := range s.held {
		st.Held[k] = v
	}
	return st, s.changed
}

// serveSMTP speaks enough ESMTP for go-mail without TLS.
func (s *providerSink) serveSMTP(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) error {
		_, err := io.WriteString(c, line+"\r\n")
		return err
	}
	if say("220 sink.test ESMTP") != nil {
		return
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			err = say("250-sink.test\r\n250-8BITMIME\r\n250 SIZE 26214400")
		case strings.HasPrefix(cmd, "HELO"):
			err = say("250 sink.test")
		case strings.HasPrefix(cmd, "MAIL FROM"), strings.HasPrefix(cmd, "RCPT TO"), cmd == "RSET", cmd == "NOOP":
			err = say("250 OK")
		case cmd == "DATA":
			if say("354 end with <CRLF>.<CRLF>") != nil {
				return
			}
			var data bytes.Buffer
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return // the client went away mid-message: nothing delivered
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(strings.TrimPrefix(l, "."))
			}
			id := messageIDOf(data.Bytes())
			if s.arrive(id) && !s.holdSMTP(c, r, id) {
				return
			}
			at := time.Now()
			if say("250 2.0.0 queued") != nil {
				return
			}
			s.answer(id, "email", at)
		case cmd == "QUIT":
			_ = say("221 bye")
			return
		default:
			err = say("502 5.5.2 unknown command")
		}
		if err != nil {
			return
		}
	}
}

// holdSMTP keeps DATA unanswered until Release, watching the connection:
// it reports false, the message dropped, when the client went away.
func (s *providerSink) holdSMTP(c net.Conn, r *bufio.Reader, id string) bool {
	gone := make(chan error, 1)
	go func() {
		_, err := r.Peek(1) // the client says nothing until answered: only its end comes
		gone <- err
	}()
	select {
	case err := <-gone:
		if err != nil {
			s.unhold(id, true)
			return false
		}
		<-s.released
	case <-s.released:
		// Stop watching, and see whether the connection ended meanwhile.
		_ = c.SetReadDeadline(time.Unix(1, 0))
		err := <-gone
		_ = c.SetReadDeadline(time.Time{})
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			s.unhold(id, true)
			return false
		}
	}
	s.unhold(id, false)
	return true
}

// messageIDOf is the Message-ID of a message, without angle brackets.
func messageIDOf(data []byte) string {
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return ""
	}
	return strings.Trim(m.Header.Get("Message-Id"), "<> ")
}

// serveSMS is the gateway: POST /sms.do with to, message, idx, check_idx.
func (s *providerSink) serveSMS(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/sms.do" {
		http.NotFound(w, r)
		return
	}
	// Reading the body whole also lets the server notice the client leaving
	// (the request's context ends).
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id := r.PostForm.Get("idx")
	if id == "" || r.PostForm.Get("to") == "" || r.PostForm.Get("message") == "" {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"error":13,"message":"to, message and idx are required"}`)
		return
	}
	if s.arrive(id) {
		select {
		case <-r.Context().Done():
			s.unhold(id, true)
			return
		case <-s.released:
			if r.Context().Err() != nil {
				s.unhold(id, true)
				return
			}
		}
		s.unhold(id, false)
	}
	at := time.Now()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"count":1,"list":[{"id":"1","points":0.16,"status":"QUEUE"}]}`)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	s.answer(id, "sms", at)
}
