package notify

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// sessionServer is an in-process SMTP server speaking just enough ESMTP.
// It counts its sessions and the messages it took (by Message-ID), hands
// each message's DATA to got when set, and misbehaves as a test asks: it
// may drop a session after its messages without a word, answer MAIL FROM
// of a session's later messages with 421, or refuse every message with 554.
type sessionServer struct {
	addr string
	got  chan []byte

	// drop, when > 0, closes a session without a reply to MAIL FROM once
	// it took that many messages (as if the server had timed it out).
	drop int
	// busyAfter, when > 0, answers MAIL FROM with 421 once a session has
	// taken that many messages.
	busyAfter int
	// refuse answers the end of DATA with 554.
	refuse bool

	mu       sync.Mutex
	conns    map[net.Conn]bool // open sessions, closed when the test ends
	sessions int
	quits    int
	took     map[string]int // Message-ID → times taken
}

func newSessionServer(t *testing.T, setup func(*sessionServer)) *sessionServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sessionServer{addr: ln.Addr().String(), took: map[string]int{}, conns: map[net.Conn]bool{}}
	if setup != nil {
		setup(s)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for c := range s.conns { // sessions a sender keeps open
			c.Close()
		}
		s.mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.sessions++
			s.conns[c] = true
			s.mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.serve(c)
			}()
		}
	}()
	return s
}

func (s *sessionServer) serve(c net.Conn) {
	defer func() {
		c.Close()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	say := func(line string) { io.WriteString(c, line+"\r\n") }
	say("220 test ESMTP")
	taken := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			say("250-test")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "MAIL FROM"):
			if s.drop > 0 && taken >= s.drop {
				return
			}
			if s.busyAfter > 0 && taken >= s.busyAfter {
				say("421 4.7.0 too many messages in this session")
				return
			}
			say("250 OK")
		case strings.HasPrefix(cmd, "RCPT TO"), cmd == "RSET", cmd == "NOOP":
			say("250 OK")
		case cmd == "DATA":
			say("354 go on")
			id, folded := "", false
			var data bytes.Buffer
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(strings.TrimPrefix(l, "."))
				if folded { // the header's value on its next line
					id, folded = strings.TrimSpace(l), false
				}
				if k, v, ok := strings.Cut(l, ":"); ok && id == "" && strings.EqualFold(k, "Message-ID") {
					id = strings.TrimSpace(v)
					folded = id == ""
				}
			}
			s.mu.Lock()
			refuse := s.refuse
			s.mu.Unlock()
			if refuse {
				say("554 5.7.1 refused")
				continue
			}
			s.mu.Lock()
			s.took[id]++
			s.mu.Unlock()
			if s.got != nil {
				s.got <- data.Bytes()
			}
			taken++
			say("250 queued")
		case cmd == "QUIT":
			s.mu.Lock()
			s.quits++
			s.mu.Unlock()
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}

// counts returns the sessions opened, the QUITs received and how many
// messages were taken, failing the test if any was taken twice.
func (s *sessionServer) counts(t *testing.T) (sessions, quits, took int) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, n := range s.took {
		if n != 1 {
			t.Errorf("message %s taken %d times", id, n)
		}
	}
	return s.sessions, s.quits, len(s.took)
}

func (s *sessionServer) sender(t *testing.T) *SMTPSender {
	t.Helper()
	sender, err := NewSMTPSender("smtp://"+s.addr, "Urząd <okienko@urzad.example>", TLSOff, WithSMTPTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return sender
}

func sessionMessage(i int) *Outgoing {
	return &Outgoing{Key: fmt.Sprintf("session-test-%d", i), Channel: "email", To: "jan@example.pl",
		Name: "Jan", Subject: "Wizyta", Text: "Dzień dobry"}
}

// A burst of messages shares sessions: 45 messages one after another take
// three sessions of at most smtpSessionMessages; Close ends the open one
// with QUIT, and the sender then opens a new one.
func TestSMTPSessionKeptOpen(t *testing.T) {
	s := newSessionServer(t, nil)
	sender := s.sender(t)
	for i := range 45 {
		if err := sender.Send(context.Background(), sessionMessage(i)); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if err := sender.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sender.Send(context.Background(), sessionMessage(45)); err != nil {
		t.Fatal(err)
	}
	if err := sender.Close(); err != nil {
		t.Fatal(err)
	}
	// The server counts a QUIT after answering it: wait for the session's end.
	waitFor(t, func() bool { _, quits, _ := s.counts(t); return quits == 4 })
	sessions, quits, took := s.counts(t)
	if took != 46 || sessions != 4 || quits != 4 {
		t.Fatalf("%d messages in %d sessions (%d QUIT), want 46 in 4 (20+20+5, then 1 after Close), each ended by QUIT", took, sessions, quits)
	}
}

// Concurrent sends each take a session of their own and keep it: 80
// messages from 8 goroutines arrive once each, in far fewer sessions than
// messages.
func TestSMTPSessionConcurrent(t *testing.T) {
	s := newSessionServer(t, nil)
	sender := s.sender(t)
	var wg sync.WaitGroup
	errs := make(chan error, 80)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				errs <- sender.Send(context.Background(), sessionMessage(g*10+i))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := sender.Close(); err != nil {
		t.Fatal(err)
	}
	sessions, _, took := s.counts(t)
	if took != 80 || sessions > 16 {
		t.Fatalf("%d messages in %d sessions, want 80 in at most 16 (8 at once, 20 each)", took, sessions)
	}
}

// A kept session the server has closed (it timed out, or takes no more
// messages) costs nothing: the message goes out at once in a new session,
// exactly once.
func TestSMTPSessionClosedByServer(t *testing.T) {
	for _, c := range []struct {
		name  string
		setup func(*sessionServer)
	}{
		{"dropped without a word", func(s *sessionServer) { s.drop = 1 }},
		{"421 at MAIL FROM", func(s *sessionServer) { s.busyAfter = 2 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSessionServer(t, c.setup)
			sender := s.sender(t)
			for i := range 6 {
				if err := sender.Send(context.Background(), sessionMessage(i)); err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
			}
			_ = sender.Close()
			sessions, _, took := s.counts(t)
			want := 6 // dropped after each message
			if s.busyAfter > 0 {
				want = 3 // two messages each
			}
			if took != 6 || sessions != want {
				t.Fatalf("%d messages in %d sessions, want 6 in %d", took, sessions, want)
			}
		})
	}
}

// A message the server refuses (5xx) in a kept session fails for good and
// is not tried again in another session.
func TestSMTPSessionRefusedIsPermanent(t *testing.T) {
	s := newSessionServer(t, nil)
	sender := s.sender(t)
	if err := sender.Send(context.Background(), sessionMessage(0)); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.refuse = true
	s.mu.Unlock()
	err := sender.Send(context.Background(), sessionMessage(1))
	if !IsPermanent(err) {
		t.Fatalf("a refused message: %v, want a permanent failure", err)
	}
	_ = sender.Close()
	if sessions, _, took := s.counts(t); took != 1 || sessions != 1 {
		t.Fatalf("%d messages in %d sessions, want 1 in 1", took, sessions)
	}
}

// waitFor polls cond until it holds, failing after 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}

// A kept session the server has closed is closed on our side too when it
// ends, though its QUIT fails.
func TestSMTPSessionEndClosesAfterFailedQuit(t *testing.T) {
	s := newSessionServer(t, nil)
	sender := s.sender(t)
	if err := sender.Send(context.Background(), sessionMessage(0)); err != nil {
		t.Fatal(err)
	}
	sender.mu.Lock()
	sess := sender.idle[0]
	sender.mu.Unlock()
	s.mu.Lock()
	for c := range s.conns { // the server times the session out
		c.Close()
	}
	s.mu.Unlock()
	_ = sender.Close()
	if sess.c.HasConnection() {
		t.Fatal("the session's connection is still open after its QUIT failed")
	}
}
