package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/okienko/okienko/kiosk/printer/printertest"
)

// Sizes of BenchmarkCallNext's rounds.
const (
	clerkCount  = 20
	waitingOnes = 1000
)

// BenchmarkCallNext: 20 clerks, each signed in at a counter of their own
// with a session of their own, press "next" over HTTP (POST
// /api/v1/counters/{id}/next, then POST /api/v1/tickets/{id}/start for the
// ticket it called) until 1,000 waiting tickets, issued at the kiosk API
// before the round, are called; no ticket may be called twice.
func BenchmarkCallNext(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) { callNext(b, kind) })
	}
}

func callNext(b *testing.B, kind string) {
	s := startBenchServer(b, benchDatabaseURL(b, kind), nil)
	if s.kiosk == "" {
		b.Fatal("the server printed no kiosk token")
	}
	svc, dep := s.matter("Kolejka", allDay, 1, 30)
	tokens, counters := make([]string, clerkCount), make([]int64, clerkCount)
	for i := range clerkCount {
		name := fmt.Sprintf("bench-clerk-%02d", i)
		s.adminCreate("/api/v1/admin/users", map[string]any{"username": name, "password": benchPassword, "role": "clerk"})
		counters[i] = s.adminCreate("/api/v1/admin/counters", map[string]any{"department_id": dep, "name": fmt.Sprintf("Okienko %d", i+1), "service_ids": []int64{svc}})
		code, out := s.call("POST", "/api/v1/auth/login", map[string]string{"username": name, "password": benchPassword}, "", fmt.Sprintf("192.0.2.%d", i+1))
		var login struct{ Token string }
		if code != 200 || json.Unmarshal(out, &login) != nil {
			b.Fatalf("login %s: %d %s", name, code, out)
		}
		tokens[i] = login.Token
		if code, out := s.call("POST", fmt.Sprintf("/api/v1/counters/%d/open", counters[i]), nil, tokens[i], ""); code != 200 {
			b.Fatalf("open counter: %d %s", code, out)
		}
	}
	f := newFigures()
	for b.Loop() {
		b.StopTimer()
		issueTickets(b, s, svc, waitingOnes)
		var mu sync.Mutex
		called := map[int64]int{}
		var lat []time.Duration
		var wg sync.WaitGroup
		b.StartTimer()
		t0 := time.Now()
		for i := range clerkCount {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					c0 := time.Now()
					code, out := s.call("POST", fmt.Sprintf("/api/v1/counters/%d/next", counters[i]), nil, tokens[i], "")
					d := time.Since(c0)
					if code == 204 {
						return
					}
					var t struct{ ID int64 }
					if code != 200 || json.Unmarshal(out, &t) != nil {
						b.Errorf("next: %d %s", code, out)
						return
					}
					mu.Lock()
					called[t.ID]++
					lat = append(lat, d)
					mu.Unlock()
					if code, out := s.call("POST", fmt.Sprintf("/api/v1/tickets/%d/start", t.ID), nil, tokens[i], ""); code != 200 {
						b.Errorf("start: %d %s", code, out)
						return
					}
				}
			}()
		}
		wg.Wait()
		took := time.Since(t0)
		b.StopTimer()
		if len(called) != waitingOnes {
			b.Fatalf("%d tickets called, want %d", len(called), waitingOnes)
		}
		for id, n := range called {
			if n != 1 {
				b.Fatalf("ticket %d called %d times", id, n)
			}
		}
		f.add("calls/s", float64(waitingOnes)/took.Seconds(), "tickets called and started per second, 20 clerks at once")
		f.add("p50-ms", ms(lat, 0.50), "one press of next, median")
		f.add("p99-ms", ms(lat, 0.99), "one press of next, 99th percentile")
		b.StartTimer()
	}
	f.report(b)
}

// issueTickets issues n walk-in tickets of svc at the demo kiosk's API,
// four at a time.
func issueTickets(b *testing.B, s *benchServer, svc int64, n int) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				if code, out := s.call("POST", "/api/v1/kiosk/tickets", map[string]any{"service_id": svc}, s.kiosk, ""); code != 201 {
					b.Errorf("kiosk ticket: %d %s", code, out)
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
}

// BenchmarkKioskTicketToPrinter: a visitor's ticket at the kiosk API (POST
// /api/v1/kiosk/tickets) until its answer, which comes after the ticket's
// last ESC/POS byte reached the kiosk's TCP printer (a fake on a socket
// answering DLE EOT) and the printer was asked for its status again; 200
// tickets one after another per round. Target p99 under 50 ms.
func BenchmarkKioskTicketToPrinter(b *testing.B) {
	const tickets = 200
	s := startBenchServer(b, benchDatabaseURL(b, "sqlite"), nil)
	svc, _ := s.matter("Kiosk", allDay, 1, 30)
	fake := printertest.Start(b)
	code, out := s.call("GET", "/api/v1/admin/kiosks", nil, s.admin, "")
	var kiosks []struct{ ID int64 }
	if code != 200 || json.Unmarshal(out, &kiosks) != nil || len(kiosks) == 0 {
		b.Fatalf("kiosks: %d %s", code, out)
	}
	if code, out := s.call("PATCH", fmt.Sprintf("/api/v1/admin/kiosks/%d", kiosks[0].ID), map[string]any{"printer": map[string]any{"uri": fake.URI()}}, s.admin, ""); code != 200 {
		b.Fatalf("set printer: %d %s", code, out)
	}
	f := newFigures()
	printed := 0
	for b.Loop() {
		ds := make([]time.Duration, tickets)
		for i := range tickets {
			t0 := time.Now()
			code, out := s.call("POST", "/api/v1/kiosk/tickets", map[string]any{"service_id": svc}, s.kiosk, "")
			ds[i] = time.Since(t0)
			if code != 201 {
				b.Fatalf("ticket: %d %s", code, out)
			}
		}
		printed += tickets
		if fake.Printed() != printed {
			b.Fatalf("the printer printed %d of %d tickets", fake.Printed(), printed)
		}
		f.add("p50-ms", ms(ds, 0.50), "a kiosk ticket to the printer's last byte, median of 200")
		f.add("p99-ms", ms(ds, 0.99), "a kiosk ticket to the printer's last byte, 99th percentile (target < 50)")
	}
	f.report(b)
}

// BenchmarkIdleDisplays: the server process's resident memory (VmRSS of
// /proc/PID/status) holding 10,000 idle hall-display websockets
// (/ws/display, each having read its snapshot), the clients in the
// benchmark's process. Each round is a new server on SQLite. Target under
// 300 MB.
func BenchmarkIdleDisplays(b *testing.B) {
	const n = 10000
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		b.Fatal(err)
	}
	// Both ends of every connection on this machine: the server (which
	// inherits the limit) and this process each need n descriptors.
	if lim.Max < n+1000 {
		b.Fatalf("the open file limit is %d (ulimit -Hn); 10,000 displays need %d", lim.Max, n+1000)
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		b.Fatal(err)
	}
	f := newFigures()
	for b.Loop() {
		b.StopTimer()
		s := startBenchServer(b, benchDatabaseURL(b, "sqlite"), nil)
		if code, out := s.call("GET", "/api/v1/departments", nil, "", ""); code != 200 {
			b.Fatalf("departments: %d %s", code, out)
		}
		before := s.rss()
		b.StartTimer()
		conns, err := dialDisplays("ws"+strings.TrimPrefix(s.base, "http")+"/ws/display", n)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		after := s.rss()
		f.add("rss-MB", after, "the server's resident memory with 10,000 idle displays (target < 300)")
		f.add("rss-idle-MB", before, "the server's resident memory before they connect")
		f.add("KB/display", (after-before)*1024/n, "resident memory per display connection")
		s.stop()
		for _, c := range conns {
			c.Close()
		}
		b.StartTimer()
	}
	f.report(b)
}

// dialDisplays opens n display websockets to url, 64 at a time, reading
// each one's snapshot.
func dialDisplays(url string, n int) ([]*websocket.Conn, error) {
	d := websocket.Dialer{HandshakeTimeout: time.Minute, ReadBufferSize: 512, WriteBufferSize: 256}
	conns := make([]*websocket.Conn, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, _, err := d.Dial(url, nil)
			if err == nil {
				_, _, err = c.ReadMessage()
			}
			if err != nil {
				errs <- err
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	close(errs)
	return conns, <-errs
}

// BenchmarkCallToDisplays: a clerk's press of next (POST
// /api/v1/counters/{id}/next) until the call arrives at each of 1,000
// hall-display websockets (/ws/display, the clients in the benchmark's
// process, the server in its own); 10 calls per round, a ticket issued at
// the kiosk API before each. Target p99 under 50 ms.
func BenchmarkCallToDisplays(b *testing.B) {
	const displays, calls = 1000, 10
	s := startBenchServer(b, benchDatabaseURL(b, "sqlite"), nil)
	svc, dep := s.matter("Tablica", allDay, 1, 30)
	s.adminCreate("/api/v1/admin/users", map[string]any{"username": "bench-clerk", "password": benchPassword, "role": "clerk"})
	counter := s.adminCreate("/api/v1/admin/counters", map[string]any{"department_id": dep, "name": "Okienko 1", "service_ids": []int64{svc}})
	code, out := s.call("POST", "/api/v1/auth/login", map[string]string{"username": "bench-clerk", "password": benchPassword}, "", "192.0.2.1")
	var login struct{ Token string }
	if code != 200 || json.Unmarshal(out, &login) != nil {
		b.Fatalf("login: %d %s", code, out)
	}
	if code, out := s.call("POST", fmt.Sprintf("/api/v1/counters/%d/open", counter), nil, login.Token, ""); code != 200 {
		b.Fatalf("open counter: %d %s", code, out)
	}
	conns, err := dialDisplays("ws"+strings.TrimPrefix(s.base, "http")+"/ws/display", displays)
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	f := newFigures()
	for b.Loop() {
		var all []time.Duration
		for range calls {
			b.StopTimer()
			issueTickets(b, s, svc, 1)
			b.StartTimer()
			arrived := make([]time.Duration, len(conns))
			var wg sync.WaitGroup
			start := time.Now()
			for j, c := range conns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
						_, m, err := c.ReadMessage()
						if err != nil {
							b.Error(err)
							return
						}
						if strings.Contains(string(m), `"type":"called"`) {
							arrived[j] = time.Since(start)
							return
						}
					}
				}()
			}
			code, out := s.call("POST", fmt.Sprintf("/api/v1/counters/%d/next", counter), nil, login.Token, "")
			var t struct{ ID int64 }
			if code != 200 || json.Unmarshal(out, &t) != nil {
				b.Fatalf("next: %d %s", code, out)
			}
			wg.Wait()
			all = append(all, arrived...)
			b.StopTimer()
			if code, out := s.call("POST", fmt.Sprintf("/api/v1/tickets/%d/start", t.ID), nil, login.Token, ""); code != 200 {
				b.Fatalf("start: %d %s", code, out)
			}
			b.StartTimer()
		}
		f.add("p50-ms", ms(all, 0.50), "a call from the clerk's press to a display, median over 1,000 displays × 10 calls")
		f.add("p99-ms", ms(all, 0.99), "the same, 99th percentile (target < 50)")
	}
	f.report(b)
}
