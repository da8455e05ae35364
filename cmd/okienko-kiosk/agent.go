package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/okienko/okienko/kiosk/printer"
)

// Connection timings; tests shorten them.
var (
	// readTimeout: a server that sends nothing (not even a ping) for this
	// long is taken for gone and the agent reconnects. The server pings
	// every 20 s.
	readTimeout = 60 * time.Second
	// writeTimeout bounds sending one message.
	writeTimeout = 10 * time.Second
	// handshakeTimeout bounds connecting to the server.
	handshakeTimeout = 15 * time.Second
	// reconnectMin and reconnectMax bound the wait before reconnecting: it
	// doubles after each failed attempt, with ±20 % jitter.
	reconnectMin = 500 * time.Millisecond
	reconnectMax = 30 * time.Second
	// badStatusEvery is how often the printer is asked and its state
	// reported while it cannot print (paper out, cover open, …), when that
	// is sooner than --status-every: the server refuses the kiosk's tickets
	// meanwhile, so a refill must be noticed quickly.
	badStatusEvery = 5 * time.Second
)

// badStates are the printer states in which nothing prints.
var badStates = map[string]bool{
	printer.StatePaperOut: true, printer.StateCoverOpen: true, printer.StateOffline: true,
	printer.StateUnreachable: true, printer.StateCutterError: true,
}

// reasonStopped is the result of a job the agent received but did not start
// printing because it was stopping: not printed, safe to reprint.
const reasonStopped = "agent_stopped"

// agent holds the websocket to the server and prints the kiosk's jobs on
// the local printer.
type agent struct {
	url         string // ws(s)://…/ws/kiosk/agent
	token       string
	printer     string // tcp://… or file://…
	timeout     time.Duration
	statusEvery time.Duration
	log         *slog.Logger
	dialer      *websocket.Dialer
}

func newAgent(url, token, printerURI string, timeout, statusEvery time.Duration, log *slog.Logger) *agent {
	d := *websocket.DefaultDialer
	d.HandshakeTimeout = handshakeTimeout
	return &agent{url: url, token: token, printer: printerURI, timeout: timeout, statusEvery: statusEvery, log: log, dialer: &d}
}

// Messages from the server.
type serverMessage struct {
	Seq  uint64      `json:"seq"`
	Type string      `json:"type"` // hello, jobs, ping
	Jobs []serverJob `json:"jobs"`
}

type serverJob struct {
	ID      int64  `json:"id"`
	Payload []byte `json:"payload"` // ESC/POS bytes, base64 in JSON
}

// agentMessage is what the agent sends: a job's result or the printer's
// state.
type agentMessage struct {
	Type         string `json:"type"` // result or status
	JobID        int64  `json:"job_id,omitempty"`
	Reason       string `json:"reason"`
	PrinterState string `json:"printer_state"`
}

// run connects to the server and serves it until ctx ends, reconnecting
// after every error with exponential backoff.
func (a *agent) run(ctx context.Context) {
	wait := backoff{min: reconnectMin, max: reconnectMax, jitter: rand.Float64}
	for {
		connected, err := a.session(ctx)
		if ctx.Err() != nil {
			return
		}
		if connected {
			wait.reset()
		}
		d := wait.next()
		a.log.Warn("not connected to the server; retrying", "in", d.Round(time.Millisecond), "err", err)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// session is one connection to the server.
type session struct {
	*agent
	conn    *websocket.Conn
	inbox   inbox
	state   string        // the printer's state as last reported
	gone    chan struct{} // closed when reading fails: the connection is over
	readErr error         // why; read only after gone is closed
}

// session connects and serves one connection until it fails or ctx ends.
// connected reports that the server greeted the agent (so the connection
// worked and the backoff starts over).
func (a *agent) session(ctx context.Context) (connected bool, err error) {
	header := http.Header{
		"Authorization": {"Bearer " + a.token},
		"User-Agent":    {"okienko-kiosk/" + buildVersion()},
	}
	conn, resp, err := a.dialer.DialContext(ctx, a.url, header)
	if err != nil {
		if resp != nil {
			if resp.StatusCode == http.StatusUnauthorized {
				a.log.Error("the server refused the kiosk token: check --token / OKIENKO_KIOSK_TOKEN", "status", resp.StatusCode)
			}
			err = fmt.Errorf("connect: HTTP %d: %w", resp.StatusCode, err)
		}
		return false, err
	}
	defer conn.Close()
	s := &session{agent: a, conn: conn, inbox: inbox{ready: make(chan struct{}, 1)}, gone: make(chan struct{})}
	conn.SetPingHandler(s.pong)
	go s.read()

	// The state is reported on connecting, then every statusEvery, sooner
	// while the printer cannot print; it is the agent's heartbeat too.
	status := time.NewTimer(a.statusEvery)
	defer status.Stop()
	for {
		select {
		case <-ctx.Done():
			s.stop(nil)
			return connected, ctx.Err()
		case <-s.gone:
			s.abandon(s.inbox.take())
			return connected, s.readErr
		case <-status.C:
			if err := s.reportStatus(ctx); err != nil {
				return connected, s.cause(err)
			}
			status.Reset(s.nextStatus())
		case <-s.inbox.ready:
			msgs := s.inbox.take()
			for i, b := range msgs {
				var m serverMessage
				if err := json.Unmarshal(b, &m); err != nil {
					// Whatever jobs it held stay sent: reconnecting makes
					// the server mark them unknown (agent_lost), to be
					// reprinted by hand.
					a.log.Error("unreadable message from the server; reconnecting", "err", err)
					s.abandon(msgs[i+1:])
					return connected, fmt.Errorf("unreadable message: %w", err)
				}
				if err := s.handle(ctx, m); err != nil {
					if ctx.Err() != nil {
						s.stop(msgs[i+1:])
						return connected, ctx.Err()
					}
					s.abandon(msgs[i+1:])
					return connected, s.cause(err)
				}
				if m.Type == "hello" {
					connected = true
				}
				if m.Type == "hello" || m.Type == "jobs" {
					// The state was just reported: the next report is
					// due from now.
					status.Reset(s.nextStatus())
				}
			}
		}
	}
}

// handle acts on one message from the server.
func (s *session) handle(ctx context.Context, m serverMessage) error {
	switch m.Type {
	case "hello":
		s.log.Info("connected to the server", "url", s.url)
		return s.reportStatus(ctx)
	case "jobs":
		return s.printJobs(ctx, m.Jobs)
	case "ping":
		return nil
	default:
		s.log.Debug("ignored a message from the server", "type", m.Type, "seq", m.Seq)
		return nil
	}
}

// printJobs prints jobs in order, each once, answering each with its
// result. It stops early when ctx ends (the job being printed is finished;
// the rest are answered agent_stopped) or when the connection is lost (the
// rest are not printed: the server marks them unknown, agent_lost). A
// result that cannot be sent is not retried and its job is never printed
// again here.
func (s *session) printJobs(ctx context.Context, jobs []serverJob) error {
	for i, j := range jobs {
		if ctx.Err() != nil {
			s.decline(jobs[i:])
			return ctx.Err()
		}
		select {
		case <-s.gone:
			s.log.Warn("connection lost: jobs not printed; the server marks them unknown (agent_lost)", "jobs", jobIDs(jobs[i:]))
			return s.readErr
		default:
		}
		start := time.Now()
		reason, state, err := printJob(ctx, s.printer, j.Payload, s.timeout)
		took := time.Since(start).Round(time.Millisecond)
		if reason == "" {
			s.log.Info("job printed", "job", j.ID, "printer_state", state, "took", took)
		} else {
			s.log.Warn("job not printed", "job", j.ID, "reason", reason, "err", err, "took", took)
		}
		s.state = state
		if err := s.send(agentMessage{Type: "result", JobID: j.ID, Reason: reason, PrinterState: state}); err != nil {
			s.log.Error("the result of a job could not be sent: the server will mark it unknown (agent_lost) and it is not printed again automatically",
				"job", j.ID, "printed", reason == "", "reason", reason, "err", err)
			if i+1 < len(jobs) {
				s.log.Warn("jobs not printed; the server marks them unknown (agent_lost)", "jobs", jobIDs(jobs[i+1:]))
			}
			return err
		}
	}
	return nil
}

// reportStatus asks the printer and tells the server its state.
func (s *session) reportStatus(ctx context.Context) error {
	_, state, err := askPrinter(ctx, s.printer, s.timeout)
	if ctx.Err() != nil {
		return nil // stopping: the answer means nothing
	}
	if err != nil {
		s.log.Debug("printer status", "state", state, "err", err)
	} else {
		s.log.Debug("printer status", "state", state)
	}
	s.state = state
	return s.send(agentMessage{Type: "status", PrinterState: state})
}

// nextStatus is the wait before the next report of the printer's state.
func (s *session) nextStatus() time.Duration {
	if badStates[s.state] && badStatusEvery < s.statusEvery {
		return badStatusEvery
	}
	return s.statusEvery
}

// decline answers jobs that were received but not printed because the agent
// is stopping.
func (s *session) decline(jobs []serverJob) {
	for i, j := range jobs {
		if err := s.send(agentMessage{Type: "result", JobID: j.ID, Reason: reasonStopped}); err != nil {
			s.log.Warn("jobs not printed; the server marks them unknown (agent_lost)", "jobs", jobIDs(jobs[i:]), "err", err)
			return
		}
		s.log.Info("job not printed: stopping", "job", j.ID)
	}
}

// stop declines the jobs of pending messages and of those waiting in the
// inbox, and closes the connection with a close frame.
func (s *session) stop(pending [][]byte) {
	for _, b := range append(pending, s.inbox.take()...) {
		var m serverMessage
		if json.Unmarshal(b, &m) == nil && m.Type == "jobs" {
			s.decline(m.Jobs)
		}
	}
	_ = s.conn.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.CloseNormalClosure, "agent stopping"), time.Now().Add(time.Second))
}

// abandon logs the jobs of messages that will not be handled because the
// connection is over.
func (s *session) abandon(msgs [][]byte) {
	var ids []int64
	for _, b := range msgs {
		var m serverMessage
		if json.Unmarshal(b, &m) == nil && m.Type == "jobs" {
			ids = append(ids, jobIDs(m.Jobs)...)
		}
	}
	if len(ids) > 0 {
		s.log.Warn("connection lost: jobs not printed; the server marks them unknown (agent_lost)", "jobs", ids)
	}
}

// cause returns why the connection ended when reading has failed (say, the
// server closed it), which says more than the failed write err.
func (s *session) cause(err error) error {
	select {
	case <-s.gone:
		if s.readErr != nil {
			return s.readErr
		}
	default:
	}
	return err
}

// send writes one message to the server.
func (s *session) send(m agentMessage) error {
	_ = s.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	return s.conn.WriteJSON(m)
}

// read moves the server's messages to the inbox until the connection fails
// or stays silent for readTimeout.
func (s *session) read() {
	defer close(s.gone)
	for {
		_ = s.conn.SetReadDeadline(time.Now().Add(readTimeout))
		_, b, err := s.conn.ReadMessage()
		if err != nil {
			s.readErr = err
			return
		}
		s.inbox.put(b)
	}
}

// pong answers a websocket ping, which also proves the server is there.
func (s *session) pong(data string) error {
	_ = s.conn.SetReadDeadline(time.Now().Add(readTimeout))
	err := s.conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(writeTimeout))
	var ne net.Error
	if errors.Is(err, websocket.ErrCloseSent) || (errors.As(err, &ne) && ne.Timeout()) {
		return nil
	}
	return err
}

func jobIDs(jobs []serverJob) []int64 {
	ids := make([]int64, len(jobs))
	for i, j := range jobs {
		ids[i] = j.ID
	}
	return ids
}

// inbox holds the messages read and not yet handled. It never blocks the
// reader, so pings are answered even while jobs print.
type inbox struct {
	mu    sync.Mutex
	msgs  [][]byte
	ready chan struct{} // receives when msgs may be non-empty
}

func (q *inbox) put(b []byte) {
	q.mu.Lock()
	q.msgs = append(q.msgs, b)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

func (q *inbox) take() [][]byte {
	q.mu.Lock()
	defer q.mu.Unlock()
	msgs := q.msgs
	q.msgs = nil
	return msgs
}

// backoff is the wait before reconnecting: min, doubling after every
// attempt up to max, each wait varied by ±20 % (jitter returns [0, 1)) so
// kiosks that lost the server together do not come back together.
type backoff struct {
	min, max time.Duration
	jitter   func() float64
	n        int
}

func (b *backoff) reset() { b.n = 0 }

func (b *backoff) next() time.Duration {
	d := b.min
	for i := 0; i < b.n && d < b.max; i++ {
		d *= 2
	}
	if d >= b.max {
		d = b.max
	} else {
		b.n++
	}
	d += time.Duration((b.jitter()*0.4 - 0.2) * float64(d))
	return min(d, b.max)
}
