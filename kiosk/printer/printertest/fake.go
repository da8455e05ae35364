// Package printertest runs a fake ESC/POS network printer for tests.
package printertest

import (
	"bytes"
	"net"
	"sync"
	"testing"
	"time"
)

// ESC/POS bytes the fake understands.
const (
	dle = 0x10
	eot = 0x04
	gs  = 0x1d
)

// noise is what a noisy printer sends before each status answer: an
// automatic-status-back-like message and junk, none of it shaped like a
// DLE EOT answer.
var noise = []byte{0x14, 0x00, 0x0c, 0x00, 0xff, 'A'}

// Fake is a printer on the raw TCP port of 127.0.0.1. Like a real one it
// answers DLE EOT n (n = 1, 2, 3, 4) wherever it appears in the byte stream,
// from its current state, and takes every other byte as job data. A job is
// printed when its cut command (GS V) arrives while the printer is ready and
// was ready for all of the job's bytes. Cover open, paper out and cutter
// error also make it report itself offline, as real printers do. It is safe
// for concurrent use.
type Fake struct {
	ln net.Listener
	wg sync.WaitGroup

	mu          sync.Mutex
	offline     bool
	coverOpen   bool
	paperOut    bool
	nearEnd     bool
	cutterError bool
	silent      bool
	mute        bool
	noisy       bool
	runOut      bool
	quietAfter  bool // no status answers on a connection after its job
	closeAfter  int  // close each connection after this many job bytes; 0: never
	printed     int
	accepted    int
	asked       []byte
	jobs        []*bytes.Buffer // job bytes per connection
	conns       map[net.Conn]bool
	closed      bool
}

// Start starts a ready fake printer; it stops when the test ends.
func Start(t testing.TB) *Fake {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("printertest: listen: %v", err)
	}
	f := &Fake{ln: ln, conns: map[net.Conn]bool{}}
	f.wg.Add(1)
	go f.accept()
	t.Cleanup(f.Close)
	return f
}

// Addr returns the printer's host:port.
func (f *Fake) Addr() string { return f.ln.Addr().String() }

// URI returns the printer's address, tcp://127.0.0.1:port.
func (f *Fake) URI() string { return "tcp://" + f.Addr() }

// Close stops the printer and closes its connections.
func (f *Fake) Close() {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	f.closed = true
	f.ln.Close()
	for c := range f.conns {
		c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// SetPaperOut sets whether the paper has run out.
func (f *Fake) SetPaperOut(v bool) { f.set(&f.paperOut, v) }

// SetPaperNearEnd sets whether the paper roll is nearly used up.
func (f *Fake) SetPaperNearEnd(v bool) { f.set(&f.nearEnd, v) }

// SetCoverOpen sets whether the cover is open.
func (f *Fake) SetCoverOpen(v bool) { f.set(&f.coverOpen, v) }

// SetOffline sets whether the printer is offline for no other reason.
func (f *Fake) SetOffline(v bool) { f.set(&f.offline, v) }

// SetCutterError sets whether the autocutter has failed.
func (f *Fake) SetCutterError(v bool) { f.set(&f.cutterError, v) }

// SetSilent sets whether the printer is hung: it still reads (and records)
// what it is sent but never answers and prints nothing.
func (f *Fake) SetSilent(v bool) { f.set(&f.silent, v) }

// SetMute sets whether the printer has no back channel: it prints as usual
// but never answers a status request.
func (f *Fake) SetMute(v bool) { f.set(&f.mute, v) }

// SetSilentAfterJob sets whether the printer goes quiet once it has printed
// a job: on that connection it answers no more status requests (it still
// reads what it is sent). A new connection is answered again. This is a
// printer that takes the whole ticket and then never confirms it.
func (f *Fake) SetSilentAfterJob(v bool) { f.set(&f.quietAfter, v) }

// SetCloseMidJob makes the printer close every connection once it has
// received n bytes of job data (status requests not counted), dropping the
// rest: a job cut off midway. n <= 0 turns it off.
func (f *Fake) SetCloseMidJob(n int) {
	f.mu.Lock()
	f.closeAfter = max(n, 0)
	f.mu.Unlock()
}

// SetNoise sets whether stray bytes precede every status answer.
func (f *Fake) SetNoise(v bool) { f.set(&f.noisy, v) }

// RunOutMidJob makes the paper end while the next job arrives: that job is
// not printed and the printer then reports paper out.
func (f *Fake) RunOutMidJob() { f.set(&f.runOut, true) }

// Refill loads a new paper roll.
func (f *Fake) Refill() {
	f.mu.Lock()
	f.paperOut, f.nearEnd, f.runOut = false, false, false
	f.mu.Unlock()
}

func (f *Fake) set(field *bool, v bool) {
	f.mu.Lock()
	*field = v
	f.mu.Unlock()
}

// Printed returns how many jobs were printed and cut.
func (f *Fake) Printed() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.printed
}

// WaitPrinted waits up to d for n jobs to be printed and returns how many
// were: a job written without a status question after it may still be on
// its way when the writer returns.
func (f *Fake) WaitPrinted(n int, d time.Duration) int {
	deadline := time.Now().Add(d)
	for {
		got := f.Printed()
		if got >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Jobs returns the job bytes received on each connection that sent any, in
// connection order, without the status requests.
func (f *Fake) Jobs() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	var jobs [][]byte
	for _, b := range f.jobs {
		if b.Len() > 0 {
			jobs = append(jobs, bytes.Clone(b.Bytes()))
		}
	}
	return jobs
}

// Received returns all job bytes received, without the status requests.
func (f *Fake) Received() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	var all []byte
	for _, b := range f.jobs {
		all = append(all, b.Bytes()...)
	}
	return all
}

// Connections returns how many connections the printer has accepted.
func (f *Fake) Connections() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.accepted
}

// Open returns how many connections to the printer are open now.
func (f *Fake) Open() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.conns)
}

// Asked returns n of every DLE EOT n received, in order.
func (f *Fake) Asked() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return bytes.Clone(f.asked)
}

func (f *Fake) accept() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		if f.closed {
			f.mu.Unlock()
			c.Close()
			return
		}
		f.conns[c] = true
		f.accepted++
		job := &bytes.Buffer{}
		f.jobs = append(f.jobs, job)
		f.mu.Unlock()
		f.wg.Add(1)
		go f.serve(c, job)
	}
}

// session is the parse state of one connection.
type session struct {
	held    []byte // start of a command split across reads: DLE, DLE EOT or GS
	spoiled bool   // a byte of the current job arrived while not ready
	quiet   bool   // a job was printed and the printer went quiet (SetSilentAfterJob)
	data    int    // job bytes received on this connection
	hangUp  bool   // the connection is to be closed (SetCloseMidJob)
}

func (f *Fake) serve(c net.Conn, job *bytes.Buffer) {
	defer f.wg.Done()
	defer func() {
		f.mu.Lock()
		delete(f.conns, c)
		f.mu.Unlock()
		c.Close()
	}()
	var s session
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			f.mu.Lock()
			answer := f.feed(&s, job, buf[:n])
			f.mu.Unlock()
			if s.hangUp {
				return
			}
			if len(answer) > 0 {
				if _, err := c.Write(answer); err != nil {
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}

// feed processes received bytes and returns what to send back. f.mu is held.
func (f *Fake) feed(s *session, job *bytes.Buffer, in []byte) []byte {
	var out []byte
	for _, b := range in {
		if s.hangUp {
			return nil
		}
		switch {
		case len(s.held) == 0 && (b == dle || b == gs):
			s.held = append(s.held, b)
		case len(s.held) == 0:
			f.data(s, job, b)
		case len(s.held) == 1 && s.held[0] == dle && b == eot:
			s.held = append(s.held, b)
		case len(s.held) == 2: // DLE EOT n
			s.held = s.held[:0]
			f.asked = append(f.asked, b)
			if st, ok := f.status(b); ok && !f.silent && !f.mute && !s.quiet {
				if f.noisy {
					out = append(out, noise...)
				}
				out = append(out, st)
			}
		default: // DLE or GS followed by something else
			first := s.held[0]
			s.held = s.held[:0]
			f.data(s, job, first)
			if first == gs && b == 'V' {
				f.data(s, job, b)
				f.cut(s)
			} else if b == dle || b == gs {
				s.held = append(s.held, b)
			} else {
				f.data(s, job, b)
			}
		}
	}
	return out
}

func (f *Fake) ready() bool {
	return !f.offline && !f.coverOpen && !f.paperOut && !f.cutterError && !f.silent
}

// data records one job byte.
func (f *Fake) data(s *session, job *bytes.Buffer, b byte) {
	job.WriteByte(b)
	s.data++
	if f.closeAfter > 0 && s.data >= f.closeAfter {
		s.hangUp = true
	}
	if f.ready() && f.runOut {
		f.runOut, f.paperOut = false, true
	}
	if !f.ready() {
		s.spoiled = true
	}
}

// cut ends a job: it is printed if the printer was ready throughout.
func (f *Fake) cut(s *session) {
	if f.ready() && !s.spoiled {
		f.printed++
		s.quiet = s.quiet || f.quietAfter
	}
	s.spoiled = false
}

// status returns the answer to DLE EOT n, as an Epson printer gives it.
func (f *Fake) status(n byte) (byte, bool) {
	b := byte(0x12) // bits 1 and 4 always set
	switch n {
	case 1:
		if f.offline || f.coverOpen || f.paperOut || f.cutterError {
			b |= 0x08
		}
	case 2:
		if f.coverOpen {
			b |= 0x04
		}
		if f.paperOut {
			b |= 0x20
		}
		if f.cutterError {
			b |= 0x40
		}
	case 3:
		if f.cutterError {
			b |= 0x08
		}
	case 4:
		if f.nearEnd || f.paperOut {
			b |= 0x0c
		}
		if f.paperOut {
			b |= 0x60
		}
	default:
		return 0, false
	}
	return b, true
}
