package main

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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okienko/okienko/booking/bookingtest"
)

// This file is what the process tests and the benchmark share: residents
// booking over HTTP as the booking form does, and the server run in a child
// process.

// seat is one free seat of a service's slot.
type seat struct {
	Service int64
	Start   time.Time
}

// freeSeats returns n free seats of the demo office at base, from tomorrow
// on, taken round the services so that bookings spread over them as
// residents' would. Matters asking for proof of work are left out (these
// residents send no solution), and so are those that hold bookings pending
// an e-mail confirmation (their bookings get no confirmation yet).
func freeSeats(client *http.Client, base string, n int) ([]seat, error) {
	var deps []struct {
		Services []struct {
			ID             int64 `json:"id"`
			ProofOfWork    bool  `json:"proof_of_work"`
			ConfirmMinutes int   `json:"confirm_minutes"`
		} `json:"services"`
	}
	if err := getJSON(client, base+"/api/v1/departments", &deps); err != nil {
		return nil, err
	}
	var services []int64
	for _, d := range deps {
		for _, s := range d.Services {
			if !s.ProofOfWork && s.ConfirmMinutes == 0 { // no solver; booked at once, not pending
				services = append(services, s.ID)
			}
		}
	}
	if len(services) == 0 {
		return nil, fmt.Errorf("the office has no services")
	}
	per := n/len(services) + 1
	lists := make([][]seat, len(services))
	for i, svc := range services {
		var days []struct {
			Date string `json:"date"`
			Free int    `json:"free"`
		}
		if err := getJSON(client, fmt.Sprintf("%s/api/v1/services/%d/days", base, svc), &days); err != nil {
			return nil, err
		}
		for j, d := range days {
			if j == 0 || d.Free == 0 || len(lists[i]) >= per {
				continue // not today: its slots pass while we book
			}
			var day struct {
				Slots []struct {
					Start time.Time `json:"start"`
					Free  int       `json:"free"`
				} `json:"slots"`
			}
			if err := getJSON(client, fmt.Sprintf("%s/api/v1/services/%d/slots?date=%s", base, svc, d.Date), &day); err != nil {
				return nil, err
			}
			for _, sl := range day.Slots {
				for k := 0; k < sl.Free && len(lists[i]) < per; k++ {
					lists[i] = append(lists[i], seat{Service: svc, Start: sl.Start})
				}
			}
		}
	}
	out := make([]seat, 0, n)
	for k := 0; len(out) < n; k++ {
		added := false
		for _, l := range lists {
			if k < len(l) && len(out) < n {
				out = append(out, l[k])
				added = true
			}
		}
		if !added {
			return nil, fmt.Errorf("only %d free seats, want %d", len(out), n)
		}
	}
	return out, nil
}

func getJSON(client *http.Client, url string, v any) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	return json.Unmarshal(body, v)
}

// peselOf completes a birth date YYMMDD and a serial into a valid PESEL.
func peselOf(yymmdd, serial string) string {
	return bookingtest.PESEL(yymmdd + serial)
}

// resident number i: a person of their own, with their own address (sent
// as X-Forwarded-For through the trusted proxy 127.0.0.1), PESEL, e-mail
// and, when withPhone, mobile number.
type resident int

func (r resident) addr() string {
	return fmt.Sprintf("10.%d.%d.%d", (int(r)>>16)&255, (int(r)>>8)&255, int(r)&255)
}

func (r resident) pesel() string {
	// Born on 1 January of 1950 + i/10000, serial i%10000.
	return peselOf(fmt.Sprintf("%02d0101", (50+int(r)/10000)%100), fmt.Sprintf("%04d", int(r)%10000))
}

// book makes r's booking of s at base over HTTP (POST /api/v1/bookings) and
// returns its code.
func (r resident) book(client *http.Client, base string, s seat, withPhone bool) (string, error) {
	body := map[string]any{
		"service_id": s.Service, "start": s.Start.Format(time.RFC3339), "name": "Mieszkanka Testowa",
		"pesel": r.pesel(), "email": fmt.Sprintf("mieszkaniec%d@example.pl", int(r)), "consent": true,
	}
	if withPhone {
		body["phone"] = fmt.Sprintf("+48 600 %03d %03d", int(r)/1000%1000, int(r)%1000)
	}
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/bookings", bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", r.addr())
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("book %+v: %d %s", s, resp.StatusCode, answer)
	}
	var out struct {
		Code string `json:"code"`
	}
	if err := json.Unmarshal(answer, &out); err != nil || out.Code == "" {
		return "", fmt.Errorf("book: answer %s", answer)
	}
	return out.Code, nil
}

// residentClient is an HTTP client for many residents at once.
func residentClient(conns int) *http.Client {
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
}

// childEnv marks the test binary run as an instance of the server.
const childEnv = "OKIENKO_TEST_SERVE_CHILD"

// TestServeChild is not a test: it is the server (serve, configured from
// the environment like the program) when the process tests run the test
// binary as a child with childEnv set. It prints "OKIENKO_READY addr" once
// it listens, and runs until it is signalled.
func TestServeChild(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("the server run as a child process by the process tests")
	}
	cfg, err := loadConfig(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	log := newLogger(cfg, os.Stderr)
	if err := serve(t.Context(), cfg, log, io.Discard, func(addr string) { fmt.Printf("OKIENKO_READY %s\n", addr) }); err != nil {
		t.Fatal(err)
	}
}

// instance is the server running in a child process.
type instance struct {
	name   string
	cmd    *exec.Cmd
	addr   string // host:port it listens on
	owner  string // the prefix of its outbox leases' owner: host/pid/
	log    string // its log file
	exited chan struct{}
}

var readyLine = regexp.MustCompile(`OKIENKO_READY (\S+)\n`)

// readyWriter is the child's standard output, watched for the ready line.
type readyWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan string
}

func (w *readyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ready != nil {
		w.buf.Write(p)
		if m := readyLine.FindSubmatch(w.buf.Bytes()); m != nil {
			w.ready <- string(m[1])
			w.ready = nil
		}
	}
	return len(p), nil
}

// startInstance runs the server in a child process with the settings vars
// (on top of the environment, without its OKIENKO_ ones) and waits until it
// listens. The test's end kills it.
func startInstance(t *testing.T, name string, vars map[string]string) *instance {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeChild$", "-test.count=1", "-test.timeout=10m")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OKIENKO_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, childEnv+"=1")
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	logPath := filepath.Join(t.TempDir(), name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	ready := make(chan string, 1)
	cmd.Stdout = &readyWriter{ready: ready}
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	in := &instance{name: name, cmd: cmd, log: logPath, exited: make(chan struct{}),
		owner: fmt.Sprintf("%s/%d/", host, cmd.Process.Pid)}
	go func() {
		_ = cmd.Wait()
		close(in.exited)
	}()
	t.Cleanup(in.kill)
	select {
	case in.addr = <-ready:
	case <-in.exited:
		t.Fatalf("instance %s ended before listening:\n%s", name, in.tail())
	case <-time.After(2 * time.Minute):
		t.Fatalf("instance %s did not listen within 2 minutes:\n%s", name, in.tail())
	}
	return in
}

// kill ends the instance with SIGKILL and waits until it is gone.
func (in *instance) kill() {
	_ = in.cmd.Process.Kill()
	<-in.exited
}

// base is the instance's URL.
func (in *instance) base() string { return "http://" + in.addr }

// tail is the end of the instance's log.
func (in *instance) tail() string {
	b, _ := os.ReadFile(in.log)
	if len(b) > 6000 {
		b = b[len(b)-6000:]
	}
	return string(b)
}

// lines returns the log lines of the instance holding s.
func (in *instance) lines(s string) []string {
	f, err := os.Open(in.log)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), s) {
			out = append(out, sc.Text())
		}
	}
	return out
}
