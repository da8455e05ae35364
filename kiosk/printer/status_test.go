package printer

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

func TestDecodeEveryBit(t *testing.T) {
	const ok = 0x12 // fixed bits only: online, nothing wrong
	tests := []struct {
		name                          string
		printer, offline, err3, paper byte
		state                         string
		ready                         bool
		check                         func(Status) bool
	}{
		{"all clear", ok, ok, 0, ok, StateOK, true, func(s Status) bool { return s.Online }},
		{"eot1 bit2 drawer pin", ok | 0x04, ok, 0, ok, StateOK, true, nil},
		{"eot1 bit3 offline", ok | 0x08, ok, 0, ok, StateOffline, false, func(s Status) bool { return !s.Online }},
		{"eot1 bit5 waiting for recovery", ok | 0x20, ok, 0, ok, StateOK, true, nil},
		{"eot1 bit6 feed button", ok | 0x40, ok, 0, ok, StateOK, true, nil},
		{"eot2 bit2 cover open", ok | 0x08, ok | 0x04, 0, ok, StateCoverOpen, false, func(s Status) bool { return s.CoverOpen }},
		{"eot2 bit3 fed by button", ok, ok | 0x08, 0, ok, StateOK, true, nil},
		{"eot2 bit5 stopped by paper end", ok | 0x08, ok | 0x20, 0, ok, StatePaperOut, false, func(s Status) bool { return s.PaperOut }},
		{"eot2 bit6 error", ok | 0x08, ok | 0x40, ok, ok, StateOffline, false, func(s Status) bool { return s.Error && !s.CutterError }},
		{"eot2 bit6 error while online", ok, ok | 0x40, ok, ok, StateOffline, false, func(s Status) bool { return s.Error }},
		{"eot3 bit3 cutter error", ok | 0x08, ok | 0x40, ok | 0x08, ok, StateCutterError, false, func(s Status) bool { return s.CutterError && s.Error }},
		{"eot3 bit2 recoverable error", ok | 0x08, ok | 0x40, ok | 0x04, ok, StateOffline, false, func(s Status) bool { return !s.CutterError }},
		{"eot3 bit5 unrecoverable error", ok | 0x08, ok | 0x40, ok | 0x20, ok, StateOffline, false, func(s Status) bool { return !s.CutterError }},
		{"eot4 bit2 near end", ok, ok, 0, ok | 0x04, StatePaperLow, true, func(s Status) bool { return s.PaperNearEnd }},
		{"eot4 bit3 near end", ok, ok, 0, ok | 0x08, StatePaperLow, true, func(s Status) bool { return s.PaperNearEnd }},
		{"eot4 bits2,3 near end", ok, ok, 0, ok | 0x0c, StatePaperLow, true, func(s Status) bool { return s.PaperNearEnd && !s.PaperOut }},
		{"eot4 bit5 paper end", ok, ok, 0, ok | 0x20, StatePaperOut, false, func(s Status) bool { return s.PaperOut }},
		{"eot4 bit6 paper end", ok, ok, 0, ok | 0x40, StatePaperOut, false, func(s Status) bool { return s.PaperOut }},
		{"eot4 paper end and near end", ok | 0x08, ok | 0x20, 0, ok | 0x6c, StatePaperOut, false, func(s Status) bool { return s.PaperOut && s.PaperNearEnd }},
		{"cover open beats paper end", ok | 0x08, ok | 0x24, 0, ok | 0x6c, StateCoverOpen, false, nil},
		{"paper end beats cutter error", ok | 0x08, ok | 0x60, ok | 0x08, ok | 0x60, StatePaperOut, false, nil},
		{"offline beats near end", ok | 0x08, ok, 0, ok | 0x0c, StateOffline, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := decode(tt.printer, tt.offline, tt.err3, tt.paper)
			if got := s.State(); got != tt.state {
				t.Errorf("State() = %q, want %q (%+v)", got, tt.state, s)
			}
			if got := s.Ready(); got != tt.ready {
				t.Errorf("Ready() = %v, want %v", got, tt.ready)
			}
			if tt.check != nil && !tt.check(s) {
				t.Errorf("fields wrong: %+v", s)
			}
			if s.Raw != [3]byte{tt.printer, tt.offline, tt.paper} {
				t.Errorf("Raw = %x", s.Raw)
			}
		})
	}
}

func TestUnknownStatus(t *testing.T) {
	var s Status
	if s.State() != StateUnknown || s.Ready() {
		t.Fatalf("zero Status: State %q Ready %v, want unknown and not ready", s.State(), s.Ready())
	}
}

func TestValidStatusByte(t *testing.T) {
	tests := []struct {
		b    byte
		want bool
	}{
		{0x12, true},  // fixed bits only
		{0x7e, true},  // every variable bit set
		{0x1a, true},  // offline
		{0x13, false}, // bit 0 set
		{0x10, false}, // bit 1 clear
		{0x02, false}, // bit 4 clear
		{0x92, false}, // bit 7 set
		{0x00, false},
		{0xff, false},
		{0x14, false}, // first byte of an ASB message
	}
	for _, tt := range tests {
		if got := validStatusByte(tt.b); got != tt.want {
			t.Errorf("validStatusByte(%#02x) = %v, want %v", tt.b, got, tt.want)
		}
	}
}

// scriptConn is a printer that answers DLE EOT n with answers[n] at once.
// A read with nothing waiting fails with a deadline error, as a real read
// would once its deadline passed.
type scriptConn struct {
	answers map[byte][]byte
	in      []byte // waiting to be read
	asked   []byte
	req     []byte
	readErr error // returned instead of a deadline error when set
}

func (c *scriptConn) Write(p []byte) (int, error) {
	for _, b := range p {
		c.req = append(c.req, b)
		if len(c.req) == 3 {
			if c.req[0] == dle && c.req[1] == eot {
				c.asked = append(c.asked, c.req[2])
				c.in = append(c.in, c.answers[c.req[2]]...)
			}
			c.req = c.req[:0]
		}
	}
	return len(p), nil
}

func (c *scriptConn) Read(p []byte) (int, error) {
	if len(c.in) == 0 {
		if c.readErr != nil {
			return 0, c.readErr
		}
		return 0, os.ErrDeadlineExceeded
	}
	n := copy(p, c.in)
	c.in = c.in[n:]
	return n, nil
}

func (c *scriptConn) SetDeadline(time.Time) error { return nil }

func TestQuery(t *testing.T) {
	stray := []byte{0x14, 0x00, 0x0c, 0x00, 0xff, 'A', 0x13, 0x92} // ASB, junk, near misses
	tests := []struct {
		name     string
		leftover []byte
		answers  map[byte][]byte
		asked    string
		state    string
	}{
		{"ok", nil, map[byte][]byte{1: {0x12}, 2: {0x12}, 4: {0x12}}, "\x01\x02\x04", StateOK},
		{"paper out", nil, map[byte][]byte{1: {0x1a}, 2: {0x32}, 4: {0x7e}}, "\x01\x02\x04", StatePaperOut},
		{"error asks DLE EOT 3", nil, map[byte][]byte{1: {0x1a}, 2: {0x52}, 3: {0x1a}, 4: {0x12}}, "\x01\x02\x03\x04", StateCutterError},
		{"stray bytes before every answer", nil,
			map[byte][]byte{1: append(stray, 0x12), 2: append(stray, 0x16), 4: append(stray, 0x12)}, "\x01\x02\x04", StateCoverOpen},
		{"extra bytes read with an answer are dropped", nil,
			map[byte][]byte{1: {0x12, 0x1a}, 2: {0x12, 0x32}, 4: {0x12, 0x7e}}, "\x01\x02\x04", StateOK},
		{"leftovers that look like status are discarded", []byte{0x1a, 0x36, 0x7e, 0x14, 0x00},
			map[byte][]byte{1: {0x12}, 2: {0x12}, 4: {0x12}}, "\x01\x02\x04", StateOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &scriptConn{answers: tt.answers, in: tt.leftover}
			s, err := Query(context.Background(), c, time.Second)
			if err != nil {
				t.Fatalf("Query: %v", err)
			}
			if got := s.State(); got != tt.state {
				t.Errorf("State() = %q, want %q (%+v)", got, tt.state, s)
			}
			if string(c.asked) != tt.asked {
				t.Errorf("asked %x, want %x", c.asked, tt.asked)
			}
		})
	}
}

func TestQueryNoAnswer(t *testing.T) {
	tests := []struct {
		name    string
		answers map[byte][]byte
	}{
		{"silent", nil},
		{"only stray bytes", map[byte][]byte{1: {0x00, 0xff, 0x14}}},
		{"no answer to DLE EOT 4", map[byte][]byte{1: {0x12}, 2: {0x12}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Query(context.Background(), &scriptConn{answers: tt.answers}, time.Second)
			if !errors.Is(err, ErrNoAnswer) {
				t.Fatalf("Query error = %v, want ErrNoAnswer", err)
			}
		})
	}
}

func TestQueryClosedConnection(t *testing.T) {
	c := &scriptConn{readErr: io.EOF}
	_, err := Query(context.Background(), c, time.Second)
	if !errors.Is(err, io.EOF) || errors.Is(err, ErrNoAnswer) {
		t.Fatalf("Query error = %v, want io.EOF", err)
	}
}

// A cancelled context ends a Query blocked on a silent printer at once, even
// with a long timeout.
func TestQueryCancel(t *testing.T) {
	client, printer := net.Pipe()
	defer client.Close()
	defer printer.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		req := make([]byte, 3)
		if _, err := io.ReadFull(printer, req); err == nil {
			cancel() // the request arrived; never answer it
		}
		io.Copy(io.Discard, printer)
	}()
	done := make(chan error, 1)
	go func() {
		_, err := Query(ctx, client, time.Hour)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Query error = %v, want context.Canceled", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Query did not return after cancel")
	}
}
