package web_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
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

// BenchmarkIdleDisplays: memory the server holds for 10,000 idle display
// connections (target under 300 MB). The clients run in a child process
// (this test binary again, see TestIdleDisplayClients), so only the
// server's memory is measured.
func BenchmarkIdleDisplays(b *testing.B) {
	const n = 10000
	raiseFileLimit(b, n+1000)
	e := newEnvB(b)
	base := e.listen()
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		cmd := exec.Command(os.Args[0], "-test.run=^TestIdleDisplayClients$", "-test.count=1")
		cmd.Env = append(os.Environ(), "OKIENKO_IDLE_CLIENTS_URL="+base, fmt.Sprintf("OKIENKO_IDLE_CLIENTS=%d", n))
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		ready := make(chan error, 1)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if sc.Text() == "ready" {
					ready <- nil
					return
				}
			}
			ready <- fmt.Errorf("the client process ended before connecting")
		}()
		if err := <-ready; err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.Sys-before.Sys)/(1<<20), "sys-MB")
		b.ReportMetric(float64((after.HeapInuse+after.StackInuse)-(before.HeapInuse+before.StackInuse))/(1<<20), "heap+stack-MB")
		b.ReportMetric(float64(runtime.NumGoroutine()), "goroutines")
		stdin.Close()
		_ = cmd.Wait()
	}
}

// TestIdleDisplayClients is the client side of BenchmarkIdleDisplays: run
// only as its child process, it holds the connections until stdin closes.
func TestIdleDisplayClients(t *testing.T) {
	base := os.Getenv("OKIENKO_IDLE_CLIENTS_URL")
	if base == "" {
		t.Skip("only run by BenchmarkIdleDisplays")
	}
	n, _ := strconv.Atoi(os.Getenv("OKIENKO_IDLE_CLIENTS"))
	var lim syscall.Rlimit
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	lim.Cur = lim.Max
	_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	conns, err := dialDisplays("ws"+strings.TrimPrefix(base, "http")+"/ws/display", n,
		websocket.Dialer{HandshakeTimeout: time.Minute, ReadBufferSize: 512, WriteBufferSize: 256})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
}

// newEnvB is newEnv for benchmarks, on SQLite.
func newEnvB(b *testing.B) *env { return newEnvWith(b, databasetest.SQLite(b), generous) }
