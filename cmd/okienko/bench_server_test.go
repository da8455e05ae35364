package main

// What the benchmarks of what residents get share (tools/bench/run,
// docs/BENCHMARKS.md): the server built from this package and run as a
// process of its own, measured from /proc; clients on sockets in the
// benchmark's process; and figures gathered per round and reported as
// min / median / max.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/database/databasetest"
)

const (
	benchSecret   = "bench-secret-0123456789abcdef0123456789"
	benchPassword = "bench-password-0123"
)

// benchQuick is tools/bench/run -quick: shorter rounds.
func benchQuick() bool { return os.Getenv("OKIENKO_BENCH_QUICK") == "1" }

// benchDatabaseURL is a new database of kind ("sqlite" or "postgres") for
// one benchmark: a file in a temporary directory, or a schema of its own in
// TEST_DATABASE_URL.
func benchDatabaseURL(b *testing.B, kind string) string {
	if kind == "sqlite" {
		return database.SQLiteURL(filepath.Join(b.TempDir(), "bench.db"))
	}
	return databasetest.PostgresURL(b)
}

// benchBinary is the server's binary: OKIENKO_BENCH_BINARY (tools/bench/run
// builds it once), or this package built now into the benchmark's
// temporary directory.
func benchBinary(b *testing.B) string {
	if p := os.Getenv("OKIENKO_BENCH_BINARY"); p != "" {
		return p
	}
	p := filepath.Join(b.TempDir(), "okienko")
	if out, err := exec.Command("go", "build", "-o", p, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return p
}

// benchServer is the okienko binary serving in a process of its own, with
// the configuration of production but for the addresses: the rate limits
// as they are by default, 127.0.0.1 a trusted proxy (each resident gives
// their own address in X-Forwarded-For), e-mails and SMS sent to a
// providerSink on sockets.
type benchServer struct {
	b       *testing.B
	binary  string
	vars    map[string]string
	cmd     *exec.Cmd
	base    string
	logPath string
	stdout  *syncBuffer
	exited  chan struct{}
	client  *http.Client
	sink    *providerSink
	admin   string // the demo administrator's bearer token
	kiosk   string // the demo kiosk's token, from the first start
}

// syncBuffer is a bytes.Buffer written by a child process.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// startBenchServer runs the server on the database at url and waits until
// it listens; the benchmark's end stops it. extra settings override the
// defaults.
func startBenchServer(b *testing.B, url string, extra map[string]string) *benchServer {
	b.Helper()
	sink := newProviderSink(b)
	vars := map[string]string{
		"OKIENKO_DATABASE_URL": url, "OKIENKO_DATA_DIR": b.TempDir(), "OKIENKO_LISTEN": "127.0.0.1:0",
		"OKIENKO_BASE_URL": "http://okienko.test", "OKIENKO_SECRET": benchSecret,
		"OKIENKO_ADMIN_PASSWORD": benchPassword, "OKIENKO_TRUSTED_PROXIES": "127.0.0.1",
		"OKIENKO_SMTP_URL": "smtp://" + sink.smtpAddr, "OKIENKO_SMTP_TLS": "off", "OKIENKO_MAIL_FROM": "Urząd <urzad@okienko.test>",
		"OKIENKO_SMS_URL": sink.smsURL, "OKIENKO_SMS_TOKEN": "bench-token", "OKIENKO_LOG_LEVEL": "info",
	}
	for k, v := range extra {
		vars[k] = v
	}
	s := &benchServer{b: b, binary: benchBinary(b), vars: vars, client: residentClient(64), sink: sink}
	b.Cleanup(s.client.CloseIdleConnections)
	s.start()
	b.Cleanup(s.stop)
	if m := regexp.MustCompile(`kiosk token\s+(\S+)`).FindStringSubmatch(s.stdout.String()); m != nil {
		s.kiosk = m[1]
	}
	code, body := s.call("POST", "/api/v1/auth/login", map[string]string{"username": "admin", "password": benchPassword}, "", "")
	if code != 200 {
		b.Fatalf("admin login: %d %s", code, body)
	}
	var out struct{ Token string }
	if err := json.Unmarshal(body, &out); err != nil || out.Token == "" {
		b.Fatalf("admin login: %s", body)
	}
	s.admin = out.Token
	return s
}

var listeningLine = regexp.MustCompile(`msg=listening addr=(\S+)`)

// start runs the process and waits for its "listening" log line.
func (s *benchServer) start() {
	b := s.b
	cmd := exec.Command(s.binary, "serve")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OKIENKO_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range s.vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	s.logPath = filepath.Join(b.TempDir(), "server.log")
	logFile, err := os.Create(s.logPath)
	if err != nil {
		b.Fatal(err)
	}
	s.stdout = &syncBuffer{}
	cmd.Stdout, cmd.Stderr = s.stdout, logFile
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(s.exited)
	}()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		log, _ := os.ReadFile(s.logPath)
		if m := listeningLine.FindSubmatch(log); m != nil {
			s.base = "http://" + string(m[1])
			return
		}
		select {
		case <-s.exited:
			b.Fatalf("the server ended before listening:\n%s", log)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b.Fatalf("the server did not listen within 3 minutes:\n%s", log)
		}
	}
}

// stop ends the server with SIGTERM (SIGKILL after 30 s) and waits for it.
func (s *benchServer) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// restart stops the server and starts it again on the same database and
// data directory.
func (s *benchServer) restart() {
	s.stop()
	s.client.CloseIdleConnections()
	s.start()
}

// call sends a JSON request (body nil for none) with a bearer token and a
// client address when given, and returns the status and the answer.
func (s *benchServer) call(method, path string, body any, token, addr string) (int, []byte) {
	return callJSON(s.client, method, s.base+path, body, token, addr)
}

// callJSON is one JSON request; status 0 and the error's text when it failed.
func callJSON(client *http.Client, method, url string, body any, token, addr string) (int, []byte) {
	var r io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return 0, []byte(err.Error())
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if addr != "" {
		req.Header.Set("X-Forwarded-For", addr)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// adminCreate POSTs body to an admin collection and returns the new id.
func (s *benchServer) adminCreate(path string, body any) int64 {
	code, out := s.call("POST", path, body, s.admin, "")
	if code != 201 && code != 200 {
		s.b.Fatalf("POST %s: %d %s", path, code, out)
	}
	var v struct{ ID int64 }
	if err := json.Unmarshal(out, &v); err != nil || v.ID == 0 {
		s.b.Fatalf("POST %s: %s", path, out)
	}
	return v.ID
}

// allDay is a department's week open round the clock; officeHours is
// Monday to Friday 08:00–16:00.
var (
	allDay      = weekHours([]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, "00:00", "24:00")
	officeHours = weekHours([]string{"mon", "tue", "wed", "thu", "fri"}, "08:00", "16:00")
)

func weekHours(days []string, from, to string) map[string][][]string {
	h := map[string][][]string{}
	for _, d := range days {
		h[d] = [][]string{{from, to}}
	}
	return h
}

// matter makes a department with hours and one matter of it set up for a
// benchmark (15-minute slots, capacity seats each, bookable a year ahead
// from now, 50 bookings per PESEL, no proof of work, no e-mail
// confirmation) and returns the matter's and the department's ids.
func (s *benchServer) matter(name string, hours map[string][][]string, capacity, daysAhead int) (svc, dep int64) {
	dep = s.adminCreate("/api/v1/admin/departments", map[string]any{
		"name": name, "ticket_prefix": "X", "last_ticket_minutes": 0, "hours": hours,
	})
	svc = s.adminCreate("/api/v1/admin/services", map[string]any{
		"department_id": dep, "name": name, "slot_minutes": 15, "capacity": capacity, "booking_days_ahead": daysAhead,
		"lead_minutes": 0, "max_active_per_pesel": 50, "confirm_minutes": 0, "proof_of_work": false,
	})
	return svc, dep
}

// benchSlot is a slot of a matter as the public API tells it.
type benchSlot struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Free  int       `json:"free"`
}

// slots returns the slots of date (YYYY-MM-DD) of a matter.
func (s *benchServer) slots(svc int64, date string) []benchSlot {
	var day struct{ Slots []benchSlot }
	code, out := s.call("GET", fmt.Sprintf("/api/v1/services/%d/slots?date=%s", svc, date), nil, "", "")
	if code != 200 || json.Unmarshal(out, &day) != nil {
		s.b.Fatalf("slots of %s: %d %s", date, code, out)
	}
	return day.Slots
}

// seatDays returns, from the day after tomorrow on, dates whose slots
// hold at least slots slots with at least free seats each, with those
// slots, until n dates are found.
func (s *benchServer) seatDays(svc int64, n, slots, free int) ([]string, [][]benchSlot) {
	var dates []string
	var found [][]benchSlot
	day := time.Now().AddDate(0, 0, 2)
	for i := 0; len(dates) < n && i < 300; i++ {
		date := day.AddDate(0, 0, i).Format(time.DateOnly)
		var ok []benchSlot
		for _, sl := range s.slots(svc, date) {
			if sl.Free >= free {
				ok = append(ok, sl)
			}
		}
		if len(ok) >= slots {
			dates, found = append(dates, date), append(found, ok)
		}
	}
	if len(dates) < n {
		s.b.Fatalf("only %d days with %d slots of %d free seats", len(dates), slots, free)
	}
	return dates, found
}

// mailed waits until the SMTP server has answered n e-mails in all (3
// minutes at most).
func (s *benchServer) mailed(n int) {
	deadline := time.After(3 * time.Minute)
	for {
		st, changed := s.sink.state()
		got := 0
		for id := range st.Answered {
			if st.Channel[id] == "email" {
				got++
			}
		}
		if got >= n {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			s.b.Fatalf("%d of %d e-mails sent within 3 minutes", got, n)
		}
	}
}

// cpu is the process's CPU time so far, user and system (/proc/PID/stat).
func (s *benchServer) cpu() time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		s.b.Fatal(err)
	}
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const ticks = 100 // USER_HZ, 100 on Linux
	return time.Duration(utime+stime) * time.Second / ticks
}

// rss is the process's resident memory in MiB (VmRSS of /proc/PID/status).
func (s *benchServer) rss() float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		s.b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	s.b.Fatal("no VmRSS in /proc/PID/status")
	return 0
}

// figures gathers a benchmark's figures round by round and reports each
// as min / median / max: as benchmark metrics (the median under the
// figure's unit, min- and max- before it) and, when OKIENKO_BENCH_TABLE
// names a file, as one line of it (name, figure, min, median, max, rounds,
// what it is) for tools/bench/run's table.
type figures struct {
	order []string
	what  map[string]string
	vals  map[string][]float64
}

func newFigures() *figures {
	return &figures{what: map[string]string{}, vals: map[string][]float64{}}
}

// add records one round's value of figure (a unit without spaces, e.g.
// "bookings/s" or "p99-ms").
func (f *figures) add(figure string, v float64, what string) {
	if _, ok := f.vals[figure]; !ok {
		f.order = append(f.order, figure)
		f.what[figure] = what
	}
	f.vals[figure] = append(f.vals[figure], v)
}

// report reports every figure of b's rounds.
func (f *figures) report(b *testing.B) {
	name := strings.TrimPrefix(b.Name(), "Benchmark")
	var lines strings.Builder
	for _, fig := range f.order {
		vs := append([]float64(nil), f.vals[fig]...)
		sort.Float64s(vs)
		lo, med, hi := vs[0], vs[len(vs)/2], vs[len(vs)-1]
		if len(vs)%2 == 0 {
			med = (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
		}
		b.ReportMetric(med, fig)
		b.ReportMetric(lo, "min-"+fig)
		b.ReportMetric(hi, "max-"+fig)
		fmt.Fprintf(&lines, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", name, fig, num(lo), num(med), num(hi), len(vs), f.what[fig])
	}
	if path := os.Getenv("OKIENKO_BENCH_TABLE"); path != "" {
		t, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			b.Fatal(err)
		}
		defer t.Close()
		if _, err := t.WriteString(lines.String()); err != nil {
			b.Fatal(err)
		}
	}
}

// num prints a figure with three significant digits or as a whole number.
func num(v float64) string {
	if v >= 100 || v <= -100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// ms is the q-quantile of ds (sorted here) in milliseconds.
func ms(ds []time.Duration, q float64) float64 {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return float64(ds[int(q*float64(len(ds)-1)+0.5)].Microseconds()) / 1000
}
