package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/display"
	"github.com/okienko/okienko/kiosk"
	"github.com/okienko/okienko/kiosk/escpos"
	"github.com/okienko/okienko/kiosk/printer/printertest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/demo"
	"github.com/okienko/okienko/office/officetest"
	"github.com/okienko/okienko/queue"
	"github.com/okienko/okienko/ratelimit"
	"github.com/okienko/okienko/web"
)

// agentProcessEnv makes the test binary run as the okienko-kiosk program
// (main), for tests that need the agent in a process of its own to kill.
const agentProcessEnv = "OKIENKO_KIOSK_TEST_AGENT"

func TestMain(m *testing.M) {
	// Reconnect quickly: the tests wait for the agent to come back. Ask a
	// printer that cannot print again soon: the tests wait for a refill to
	// be noticed.
	reconnectMin, reconnectMax = 20*time.Millisecond, 200*time.Millisecond
	badStatusEvery = 100 * time.Millisecond
	if os.Getenv(agentProcessEnv) == "1" {
		main()
	}
	os.Exit(m.Run())
}

const adminPassword = "correct-horse-battery"

// stack is an Okienko server over a real database with the demo office, its
// kiosk printing through the agent.
type stack struct {
	t         *testing.T
	db        *gorm.DB
	clock     *okienko.ManualClock
	creds     *demo.Credentials
	kiosks    *kiosk.Store // for reading jobs and the kiosk's state
	kioskID   int64
	serviceID int64
	server    *server
	http      *http.Client
}

// server is one running instance of the web server.
type server struct {
	srv     *web.Server
	ln      net.Listener
	addr    string
	stopped chan struct{}
	stopCtx context.CancelFunc
}

func newStack(t *testing.T, db *gorm.DB) *stack {
	t.Helper()
	ctx := t.Context()
	// 10:00 on the test week's Monday: the office is open for walk-in tickets.
	clock := okienko.NewManualClock(officetest.Anchor(t).At(0, 10, 0))
	offices := office.NewStore(db, clock)
	users := auth.NewStore(db, clock, ratelimit.New(db, clock))
	creds, err := demo.Seed(ctx, offices, users, adminPassword)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	kiosks := kiosk.NewStore(db, clock)
	ks, err := kiosks.List(ctx)
	if err != nil || len(ks) != 1 {
		t.Fatalf("kiosks: %v %v", ks, err)
	}
	if _, err := kiosks.Update(ctx, ks[0].ID, func(s *kiosk.Spec) error {
		s.Printer.URI = "agent"
		return nil
	}); err != nil {
		t.Fatalf("set the kiosk's printer to agent: %v", err)
	}
	counters, err := offices.Counters(ctx)
	if err != nil || len(counters) == 0 || len(counters[0].ServiceIDs) == 0 {
		t.Fatalf("counters: %v %v", counters, err)
	}
	st := &stack{t: t, db: db, clock: clock, creds: creds, kiosks: kiosks, kioskID: ks[0].ID, serviceID: counters[0].ServiceIDs[0],
		http: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}}
	st.server = st.start("127.0.0.1:0")
	return st
}

// start runs a server instance on addr, with stores of its own as after a
// restart; it stops when the test ends.
func (st *stack) start(addr string) *server {
	t := st.t
	t.Helper()
	db, clock := st.db, st.clock
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("who", "server")
	}
	offices := office.NewStore(db, clock)
	users := auth.NewStore(db, clock, ratelimit.New(db, clock))
	bookings := booking.NewStore(db, clock, offices, "test-secret")
	q := queue.NewStore(db, clock, offices, bookings)
	hub := display.NewLocalHub()
	q.OnCommit(hub.Publish)
	board := display.NewBoard(hub, q, offices, "test", log)
	live, stopLive := context.WithCancel(context.Background())
	go func() { _ = hub.Run(live) }()
	go func() { _ = board.Run(live) }()
	<-board.Ready()
	generous := web.Limit{Max: 10000, Window: time.Minute}
	srv := web.New(web.Deps{DB: db, Clock: clock, Log: log, Offices: offices, Auth: users, Bookings: bookings, Queue: q, Board: board,
		Kiosks: kiosk.NewStore(db, clock), BaseURL: "http://okienko.test", Version: "test",
		RateLimits: web.RateLimits{Book: generous, Cancel: generous, Lookup: generous}})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		stopLive()
		t.Fatalf("listen on %s: %v", addr, err)
	}
	s := &server{srv: srv, ln: ln, addr: ln.Addr().String(), stopped: make(chan struct{}), stopCtx: stopLive}
	go func() {
		defer close(s.stopped)
		_ = srv.Listen(ln)
	}()
	t.Cleanup(s.stop)
	return s
}

// stop shuts the instance down and waits until it no longer listens.
func (s *server) stop() {
	select {
	case <-s.stopped:
		return
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
	// Shutdown closes the listener only once Listen has started serving it.
	_ = s.ln.Close()
	<-s.stopped
	s.stopCtx()
}

func (st *stack) url() string { return "http://" + st.server.addr }

// post sends a JSON request to the running server and returns the status
// and body.
func (st *stack) post(path, token string, body any) (int, []byte) {
	st.t.Helper()
	b, _ := json.Marshal(body)
	req, err := http.NewRequest("POST", st.url()+path, bytes.NewReader(b))
	if err != nil {
		st.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := st.http.Do(req)
	if err != nil {
		st.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// issued is the kiosk API's answer to issuing a ticket.
type issued struct {
	Ticket struct {
		ID     int64  `json:"id"`
		Number string `json:"number"`
	} `json:"ticket"`
	Print struct {
		State  string `json:"state"`
		Reason string `json:"reason"`
	} `json:"print"`
}

// issue takes a walk-in ticket at the kiosk; its printing must be queued
// for the agent.
func (st *stack) issue() issued {
	st.t.Helper()
	code, body := st.post("/api/v1/kiosk/tickets", st.creds.KioskToken, map[string]any{"service_id": st.serviceID})
	var out issued
	if code != 201 || json.Unmarshal(body, &out) != nil || out.Ticket.Number == "" {
		st.t.Fatalf("issue a ticket: %d %s", code, body)
	}
	if out.Print.State != kiosk.Queued {
		st.t.Fatalf("print state %q, want queued for the agent: %s", out.Print.State, body)
	}
	return out
}

// issueUnprinted takes a walk-in ticket at the kiosk; its printing must
// fail at once with reason.
func (st *stack) issueUnprinted(reason string) issued {
	st.t.Helper()
	code, body := st.post("/api/v1/kiosk/tickets", st.creds.KioskToken, map[string]any{"service_id": st.serviceID})
	var out issued
	if code != 201 || json.Unmarshal(body, &out) != nil || out.Ticket.Number == "" {
		st.t.Fatalf("issue a ticket: %d %s", code, body)
	}
	if out.Print.State != kiosk.Failed || out.Print.Reason != reason {
		st.t.Fatalf("print %+v, want failed with %s: %s", out.Print, reason, body)
	}
	return out
}

// get sends a GET request to the running server and returns the status
// and body.
func (st *stack) get(path, token string) (int, []byte) {
	st.t.Helper()
	req, err := http.NewRequest("GET", st.url()+path, nil)
	if err != nil {
		st.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := st.http.Do(req)
	if err != nil {
		st.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// adminToken signs the administrator in.
func (st *stack) adminToken() string {
	st.t.Helper()
	code, body := st.post("/api/v1/auth/login", "", map[string]string{"username": st.creds.AdminUser, "password": adminPassword})
	var login struct{ Token string }
	if code != 200 || json.Unmarshal(body, &login) != nil || login.Token == "" {
		st.t.Fatalf("admin login: %d %s", code, body)
	}
	return login.Token
}

// kiosk reads the kiosk as the server shows it now.
func (st *stack) kiosk() *kiosk.Kiosk {
	st.t.Helper()
	k, err := st.kiosks.Get(st.t.Context(), st.kioskID)
	if err != nil {
		st.t.Fatal(err)
	}
	return k
}

// waitAgentOnline waits until the kiosk's agent has been heard.
func (st *stack) waitAgentOnline() {
	st.t.Helper()
	var k *kiosk.Kiosk
	eventually(st.t, "the agent online", func() bool {
		k = st.kiosk()
		return k.AgentOnline
	}, func() string { return fmt.Sprintf("%+v", k) })
}

// waitAgentsConnected waits until the server's gauge counts n agents: with
// 0, everything a dead agent sent has been handled.
func (st *stack) waitAgentsConnected(n int) {
	st.t.Helper()
	want := fmt.Sprintf("\nokienko_kiosk_agents_connected %d\n", n)
	var body []byte
	eventually(st.t, "agents connected "+fmt.Sprint(n), func() bool {
		_, body = st.get("/metrics", "")
		return bytes.Contains(body, []byte(want))
	}, func() string { return string(body) })
}

// job returns the print job of a ticket.
func (st *stack) job(ticketID int64) *kiosk.Job {
	st.t.Helper()
	j, err := st.kiosks.JobOf(st.t.Context(), ticketID)
	if err != nil {
		st.t.Fatalf("job of ticket %d: %v", ticketID, err)
	}
	return j
}

// jobIn returns the job of a ticket as listed by kiosk.Store.Jobs, or nil.
func (st *stack) jobIn(ticketID int64) *kiosk.Job {
	st.t.Helper()
	jobs, err := st.kiosks.Jobs(st.t.Context(), st.kioskID, 100)
	if err != nil {
		st.t.Fatalf("jobs: %v", err)
	}
	for i := range jobs {
		if jobs[i].TicketID != nil && *jobs[i].TicketID == ticketID {
			return &jobs[i]
		}
	}
	return nil
}

// waitJob waits until the ticket's job is in state with reason.
func (st *stack) waitJob(ticketID int64, state, reason string) *kiosk.Job {
	st.t.Helper()
	var j *kiosk.Job
	eventually(st.t, fmt.Sprintf("job of ticket %d %s %q", ticketID, state, reason), func() bool {
		j = st.jobIn(ticketID)
		return j != nil && j.State == state && j.Reason == reason
	}, func() string { return fmt.Sprintf("%+v", j) })
	return j
}

// waitPrinterState waits until the kiosk reports state.
func (st *stack) waitPrinterState(state string) {
	st.t.Helper()
	var got string
	eventually(st.t, "kiosk printer_state "+state, func() bool {
		k, err := st.kiosks.Get(st.t.Context(), st.kioskID)
		if err != nil {
			st.t.Fatal(err)
		}
		got = k.PrinterState
		return got == state
	}, func() string { return got })
}

// eventually waits, polling every 20 ms for up to 10 s, until cond holds:
// the agent is another component working at its own pace.
func eventually(t *testing.T, what string, cond func() bool, last func() string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; last seen: %s", what, last())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// agentRun is the agent started with run in a goroutine.
type agentRun struct {
	cancel context.CancelFunc
	done   chan int
	logs   *logBuffer
}

// startAgent runs the agent with args and environment env until the test
// ends or stop is called.
func startAgent(t *testing.T, args []string, env map[string]string) *agentRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a := &agentRun{cancel: cancel, done: make(chan int, 1), logs: &logBuffer{}}
	var stderr io.Writer = a.logs
	if testing.Verbose() {
		stderr = io.MultiWriter(a.logs, os.Stderr)
	}
	go func() {
		a.done <- run(ctx, append([]string{"run", "--log-level", "debug"}, args...), func(k string) string { return env[k] }, io.Discard, stderr)
	}()
	t.Cleanup(func() {
		a.stop(t)
		if t.Failed() {
			t.Logf("agent log:\n%s", a.logs)
		}
	})
	return a
}

// stop cancels the agent and returns its exit code once it has returned.
func (a *agentRun) stop(t *testing.T) int {
	t.Helper()
	a.cancel()
	select {
	case code := <-a.done:
		a.done <- code // stop may be called again
		return code
	case <-time.After(20 * time.Second):
		t.Fatalf("the agent did not stop")
		return -1
	}
}

// logBuffer collects the agent's log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The agent end to end: server, agent and fake printer in one test. A
// ticket is printed once through the agent; paper out fails the next job
// with the reason and the kiosk says so; after a refill the administrator
// reprints it, as a new job marked DUPLIKAT, and it prints exactly once
// more.
func TestAgentEndToEnd(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := newStack(t, db)
		fake := printertest.Start(t)
		agent := startAgent(t, []string{"--printer", fake.URI(), "--timeout", "2s"},
			map[string]string{"OKIENKO_SERVER_URL": st.url(), "OKIENKO_KIOSK_TOKEN": st.creds.KioskToken})
		st.waitAgentOnline()

		first := st.issue()
		j := st.waitJob(first.Ticket.ID, kiosk.JobDone, "")
		if j.Attempts != 1 {
			t.Errorf("attempts %d, want 1", j.Attempts)
		}
		st.waitPrinterState("ok")
		if n := fake.Printed(); n != 1 {
			t.Fatalf("printer printed %d tickets, want 1", n)
		}
		jobs := fake.Jobs()
		if len(jobs) != 1 {
			t.Fatalf("printer received %d jobs, want 1", len(jobs))
		}
		payload := st.job(first.Ticket.ID).Payload
		if !bytes.Equal(jobs[0], payload) {
			t.Fatalf("printer received %d bytes, not the job's %d", len(jobs[0]), len(payload))
		}
		if text := escpos.Decode(jobs[0], escpos.CodeTablePC852); !strings.Contains(text, first.Ticket.Number) {
			t.Fatalf("printed ticket does not show %s:\n%s", first.Ticket.Number, text)
		}

		fake.SetPaperOut(true)
		second := st.issue()
		st.waitJob(second.Ticket.ID, kiosk.JobFailed, "paper_out")
		st.waitPrinterState("paper_out")
		if n, got := fake.Printed(), len(fake.Jobs()); n != 1 || got != 1 {
			t.Fatalf("with no paper the printer printed %d and received %d jobs, want 1 and 1 (nothing sent)", n, got)
		}

		// While the agent reports no paper, tickets fail at once and are
		// not sent to it.
		third := st.issueUnprinted("paper_out")
		if j := st.job(third.Ticket.ID); j.State != kiosk.JobFailed || j.Reason != "paper_out" || j.Attempts != 0 {
			t.Fatalf("job issued with no paper: %+v, want failed paper_out, never sent", j)
		}

		// The refill is noticed by the agent's next report: while the printer
		// cannot print it is asked again soon, not after --status-every (30 s).
		fake.Refill()
		st.waitPrinterState("ok")
		jobID := st.job(second.Ticket.ID).ID
		code, body := st.post(fmt.Sprintf("/api/v1/admin/print-jobs/%d/reprint", jobID), st.adminToken(), nil)
		if code != 200 || !strings.Contains(string(body), `"state":"queued"`) {
			t.Fatalf("reprint: %d %s", code, body)
		}
		j = st.waitJob(second.Ticket.ID, kiosk.JobDone, "")
		if j.ID == jobID || j.ReprintOf == nil || *j.ReprintOf != jobID || j.Attempts != 1 {
			t.Fatalf("reprinted job %+v, want a new job reprinting job %d, on its first attempt", j, jobID)
		}
		st.waitPrinterState("ok")

		// Once the agent has stopped nothing more can reach the printer.
		if code := agent.stop(t); code != 0 {
			t.Fatalf("agent exit code %d, want 0", code)
		}
		if n, got := fake.Printed(), fake.Jobs(); n != 2 || len(got) != 2 {
			t.Fatalf("printer printed %d and received %d jobs, want 2 and 2", n, len(got))
		}
		if text := escpos.Decode(fake.Jobs()[1], escpos.CodeTablePC852); !strings.Contains(text, second.Ticket.Number) || !strings.Contains(text, "DUPLIKAT") {
			t.Fatalf("reprinted ticket does not show %s marked DUPLIKAT:\n%s", second.Ticket.Number, text)
		}
	})
}

// gate is a TCP proxy in front of a printer that can hold a job back: while
// held, the bytes that end a job (GS V, the cut) wait to be released, so a
// test can act while the agent is in the middle of printing.
type gate struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	hold    chan struct{} // closed to release
	arrived chan struct{} // closed when held bytes wait
	conns   []net.Conn
}

func startGate(t *testing.T, target string) *gate {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{ln: ln, target: target}
	go g.accept()
	t.Cleanup(func() {
		ln.Close()
		g.mu.Lock()
		defer g.mu.Unlock()
		for _, c := range g.conns {
			c.Close()
		}
		if g.hold != nil {
			select {
			case <-g.hold:
			default:
				close(g.hold)
			}
		}
	})
	return g
}

func (g *gate) URI() string { return "tcp://" + g.ln.Addr().String() }

// Hold makes the next job wait: arrived is closed once it does, release
// lets it through.
func (g *gate) Hold() (arrived <-chan struct{}, release func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	hold, a := make(chan struct{}), make(chan struct{})
	g.hold, g.arrived = hold, a
	var once sync.Once
	return a, func() { once.Do(func() { close(hold) }) }
}

func (g *gate) accept() {
	for {
		c, err := g.ln.Accept()
		if err != nil {
			return
		}
		p, err := net.Dial("tcp", g.target)
		if err != nil {
			c.Close()
			continue
		}
		g.mu.Lock()
		g.conns = append(g.conns, c, p)
		g.mu.Unlock()
		go func() { _, _ = io.Copy(c, p); c.Close() }()
		go g.forward(c, p)
	}
}

// forward copies what the agent sends to the printer, holding back a chunk
// with a cut while the gate holds.
func (g *gate) forward(from, to net.Conn) {
	defer to.Close()
	buf := make([]byte, 1<<16)
	for {
		n, err := from.Read(buf)
		if n > 0 {
			if bytes.Contains(buf[:n], []byte{0x1d, 'V'}) {
				g.mu.Lock()
				hold, arrived := g.hold, g.arrived
				g.mu.Unlock()
				if hold != nil {
					select {
					case <-arrived:
					default:
						close(arrived)
					}
					<-hold
				}
			}
			if _, err := to.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func waitFor(t *testing.T, what string, c <-chan struct{}) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// The server restarts while the agent prints a job: the agent finishes it,
// cannot deliver the result, reconnects to the new instance (backing off
// while it is down), and does not print that job again — the server marks
// it unknown (agent_lost) for a person to decide. Later jobs print once
// each.
func TestAgentServerRestart(t *testing.T) {
	st := newStack(t, databasetest.SQLite(t))
	fake := printertest.Start(t)
	g := startGate(t, fake.Addr())
	startAgent(t, []string{"--server", st.url(), "--token", st.creds.KioskToken, "--printer", g.URI(), "--timeout", "5s"}, nil)
	st.waitAgentOnline()

	first := st.issue()
	st.waitJob(first.Ticket.ID, kiosk.JobDone, "")

	arrived, release := g.Hold()
	second := st.issue()
	waitFor(t, "the second job to reach the printer", arrived)
	addr := st.server.addr
	st.server.stop()
	st.server = st.start(addr)
	release()

	st.waitJob(second.Ticket.ID, kiosk.JobUnknown, kiosk.ReasonAgentLost)
	eventually(t, "the lost job to finish printing", func() bool { return fake.Printed() == 2 }, func() string { return fmt.Sprint(fake.Printed()) })

	third := st.issue()
	st.waitJob(third.Ticket.ID, kiosk.JobDone, "")
	if n, jobs := fake.Printed(), fake.Jobs(); n != 3 || len(jobs) != 3 {
		t.Fatalf("printer printed %d and received %d jobs, want 3 and 3: the lost job must not print again", n, len(jobs))
	}
	if text := escpos.Decode(fake.Jobs()[2], escpos.CodeTablePC852); !strings.Contains(text, third.Ticket.Number) {
		t.Fatalf("third print is not ticket %s:\n%s", third.Ticket.Number, text)
	}
}

// Stopping the agent while it prints finishes that job and reports it; the
// jobs it received but had not started are answered as not printed, so they
// can be reprinted at once.
func TestAgentStopFinishesTheJobInHand(t *testing.T) {
	st := newStack(t, databasetest.SQLite(t))
	fake := printertest.Start(t)
	g := startGate(t, fake.Addr())

	// The agent was heard a moment ago, so the kiosk is online: both jobs
	// wait for it while it restarts, and it takes them in one batch.
	args := []string{"--server", st.url(), "--token", st.creds.KioskToken, "--printer", g.URI(), "--timeout", "5s"}
	before := startAgent(t, args, nil)
	st.waitAgentOnline()
	if code := before.stop(t); code != 0 {
		t.Fatalf("agent exit code %d, want 0", code)
	}
	a, b := st.issue(), st.issue()
	arrived, release := g.Hold()
	agent := startAgent(t, args, nil)
	waitFor(t, "the first job to reach the printer", arrived)
	agent.cancel()
	release()
	if code := agent.stop(t); code != 0 {
		t.Fatalf("agent exit code %d, want 0", code)
	}
	st.waitJob(a.Ticket.ID, kiosk.JobDone, "")
	st.waitJob(b.Ticket.ID, kiosk.JobFailed, reasonStopped)
	if n, jobs := fake.Printed(), fake.Jobs(); n != 1 || len(jobs) != 1 {
		t.Fatalf("printer printed %d and received %d jobs, want 1 and 1", n, len(jobs))
	}
}

// A token the server refuses is logged and retried with backoff, never
// given up on: the administrator may fix it on the server.
func TestAgentRetriesRefusedToken(t *testing.T) {
	st := newStack(t, databasetest.SQLite(t))
	fake := printertest.Start(t)
	agent := startAgent(t, []string{"--server", st.url(), "--token", "not-the-kiosk-token", "--printer", fake.URI()}, nil)
	eventually(t, "two refused attempts", func() bool {
		return strings.Count(agent.logs.String(), "the server refused the kiosk token") >= 2
	}, agent.logs.String)
	if code := agent.stop(t); code != 0 {
		t.Fatalf("agent exit code %d, want 0", code)
	}
}

// A server that is not there yet: the agent retries until it is.
func TestAgentWaitsForTheServer(t *testing.T) {
	st := newStack(t, databasetest.SQLite(t))
	addr := st.server.addr
	st.server.stop()
	fake := printertest.Start(t)
	agent := startAgent(t, []string{"--server", "http://" + addr, "--token", st.creds.KioskToken, "--printer", fake.URI()}, nil)
	eventually(t, "failed attempts", func() bool {
		return strings.Count(agent.logs.String(), "not connected to the server") >= 3
	}, agent.logs.String)
	st.server = st.start(addr)
	st.waitAgentOnline()
	tk := st.issue()
	st.waitJob(tk.Ticket.ID, kiosk.JobDone, "")
	if fake.Printed() != 1 {
		t.Fatalf("printed %d, want 1", fake.Printed())
	}
}

// A printer that takes the ticket from the agent and never confirms it: the
// agent reports no_status, the job is unknown, and the print-retry job, run
// three times a minute apart, never sends it again: one ticket printed.
func TestAgentPrinterSilentAfterJob(t *testing.T) {
	st := newStack(t, databasetest.SQLite(t))
	fake := printertest.Start(t)
	fake.SetSilentAfterJob(true)
	// The agent reports often, so it is heard (online) soon after the
	// server's clock moves on.
	startAgent(t, []string{"--server", st.url(), "--token", st.creds.KioskToken, "--printer", fake.URI(), "--timeout", "300ms",
		"--status-every", "100ms"}, nil)
	st.waitAgentOnline()

	tk := st.issue()
	st.waitJob(tk.Ticket.ID, kiosk.JobUnknown, "no_status")
	for range 3 {
		st.clock.Advance(time.Minute)
		if r, err := st.kiosks.RetryFailed(t.Context()); err != nil || r.Retried != 0 {
			t.Fatalf("retry job: %+v %v", r, err)
		}
	}
	// A later ticket on a fresh connection shows the agent still works and
	// took nothing else. The silent printer made the kiosk unreachable
	// until the agent asked it again on a fresh connection.
	st.waitAgentOnline()
	st.waitPrinterState("ok")
	next := st.issue()
	st.waitJob(next.Ticket.ID, kiosk.JobUnknown, "no_status")
	text := escpos.Decode(fake.Received(), escpos.CodeTablePC852)
	if a, b := strings.Count(text, tk.Ticket.Number), strings.Count(text, next.Ticket.Number); a != 1 || b != 1 || fake.Printed() != 2 {
		t.Fatalf("%s reached the printer %d times, %s %d, printed %d; want once each", tk.Ticket.Number, a, next.Ticket.Number, b, fake.Printed())
	}
	if j := st.job(tk.Ticket.ID); j.State != kiosk.JobUnknown || j.Attempts != 1 {
		t.Fatalf("the first job: %+v", j)
	}
}
