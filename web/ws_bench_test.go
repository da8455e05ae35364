package web_test

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/okienko/okienko/database/databasetest"
)

// raiseFileLimit lets one process hold both ends of many connections.
func raiseFileLimit(b *testing.B, n uint64) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		b.Fatal(err)
	}
	if lim.Cur < n {
		lim.Cur = n
		if lim.Max < n {
			lim.Max = n
		}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			b.Skipf("can't raise the open file limit to %d: %v", n, err)
		}
	}
}

// dialDisplays opens n display websockets to url, 64 at a time, reading
// each one's snapshot.
func dialDisplays(url string, n int, d websocket.Dialer) ([]*websocket.Conn, error) {
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

// connectDisplays opens n display websockets to the server at base.
func connectDisplays(b *testing.B, base string, n int) []*websocket.Conn {
	conns, err := dialDisplays("ws"+strings.TrimPrefix(base, "http")+"/ws/display", n,
		websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 256})
	if err != nil {
		b.Fatal(err)
	}
	return conns
}

// BenchmarkCallToDisplays: one call fanned out to 1,000 websocket displays;
// reported: p50 and p99 from the call's commit to its arrival at each
// display (target p99 under 50 ms).
func BenchmarkCallToDisplays(b *testing.B) {
	raiseFileLimit(b, 8192)
	e := newEnvB(b)
	base := e.listen()
	conns := connectDisplays(b, base, 1000)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	counter := e.counterOf("Stanowisko 1")
	clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
	e.do("POST", fmt.Sprintf("/api/v1/counters/%d/open", counter.ID), nil, clerk...)
	var all []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e.issueTicket(counter.ServiceIDs[0])
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
		if resp, body := e.do("POST", fmt.Sprintf("/api/v1/counters/%d/next", counter.ID), nil, clerk...); resp.StatusCode != 200 {
			b.Fatalf("next: %d %s", resp.StatusCode, body)
		}
		wg.Wait()
		all = append(all, arrived...)
		b.StopTimer()
		e.db.Exec("UPDATE tickets SET status = 'done', finished_at = called_at WHERE status = 'called'")
		b.StartTimer()
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
}

// newEnvB is newEnv for benchmarks, on SQLite.
func newEnvB(b *testing.B) *env { return newEnvWith(b, databasetest.SQLite(b), generous) }
