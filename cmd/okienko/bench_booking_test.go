package main

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkBookingStorm: 500 residents at once book one matter over HTTP
// (POST /api/v1/bookings on a socket, the server in its own process, the
// rate limits on, each resident with an address, PESEL and e-mail of their
// own) on 20 slots of capacity 1 (cap1: exactly 20 win, 480 are told 409)
// and of capacity 25 (cap25: 500 residents on 500 free seats, all win).
// Each round is a new day's slots. On PostgreSQL cap25 each round first
// runs pgbench on the same server for a plain one-insert transaction and
// for the booking transaction (tools/bench), 20 clients like the server's
// pool, and reports the storm's bookings per second against both.
func BenchmarkBookingStorm(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			for _, capacity := range []int{1, 25} {
				b.Run(fmt.Sprintf("cap%d", capacity), func(b *testing.B) { bookingStorm(b, kind, capacity) })
			}
		})
	}
}

func bookingStorm(b *testing.B, kind string, capacity int) {
	const residents, slotCount = 500, 20
	want := min(residents, slotCount*capacity)
	dbURL := benchDatabaseURL(b, kind)
	s := startBenchServer(b, dbURL, nil)
	svc, _ := s.matter("Burza", allDay, capacity, 365)
	var pg *pgbench
	if kind == "postgres" && capacity == 25 {
		pg = newPgbench(b, dbURL)
	}
	client := residentClient(residents)
	b.Cleanup(client.CloseIdleConnections)
	f := newFigures()
	round, mails := 0, 0
	for b.Loop() {
		b.StopTimer()
		if pg != nil {
			plain := pg.run("pgbench-plain.sql")
			book := pg.run("pgbench-book.sql")
			f.add("pgbench-plain-tps", plain, "pgbench, one INSERT per transaction, 20 clients, just before the storm")
			f.add("pgbench-booking-tps", book, "pgbench, the booking transaction (tools/bench/pgbench-book.sql), 20 clients")
		}
		_, days := s.seatDays(svc, round+1, slotCount, capacity)
		slots := days[round][:slotCount]
		cpu0 := s.cpu()
		b.StartTimer()
		lat, won, took := storm(b, client, s.base, residents, func(r int) (seat, resident) {
			return seat{Service: svc, Start: slots[r%slotCount].Start}, resident(round*residents + r)
		})
		b.StopTimer()
		cpu := s.cpu() - cpu0
		if won != want {
			b.Fatalf("round %d: %d bookings won, want exactly %d", round, won, want)
		}
		mails += won
		s.mailed(mails)
		cpuMail := s.cpu() - cpu0
		rate := float64(residents) / took.Seconds()
		if capacity == 1 {
			f.add("attempts/s", rate, "attempts answered per second, 500 at once, 20 win")
			f.add("cpu-ms/attempt", float64(cpu.Microseconds())/1000/residents, "the server process's CPU time during the storm per attempt")
		} else {
			f.add("bookings/s", rate, "bookings per second, 500 residents at once on 500 free seats")
			f.add("cpu-ms/booking", float64(cpu.Microseconds())/1000/residents, "the server process's CPU time during the storm per booking")
		}
		if capacity != 1 {
			f.add("cpu-ms/booking+mail", float64(cpuMail.Microseconds())/1000/float64(won), "the same until every booking's confirmation e-mail was sent, per booking")
		}
		f.add("p50-ms", ms(lat, 0.50), "a resident's answer, median")
		f.add("p99-ms", ms(lat, 0.99), "a resident's answer, 99th percentile")
		if pg != nil {
			vals := f.vals["pgbench-plain-tps"]
			f.add("ratio-to-plain", rate/vals[len(vals)-1], "bookings/s ÷ pgbench plain one-insert tps of the same round (target ≥ 0.5)")
			vals = f.vals["pgbench-booking-tps"]
			f.add("ratio-to-booking-tx", rate/vals[len(vals)-1], "bookings/s ÷ pgbench booking-transaction tps of the same round")
		}
		round++
		b.StartTimer()
	}
	f.report(b)
}

// storm sends n bookings at once, the r-th of resident and seat of who(r),
// and returns each one's latency, how many won (201; the others must be
// told 409) and the time from the first request's start to the last answer.
func storm(b *testing.B, client *http.Client, base string, n int, who func(r int) (seat, resident)) ([]time.Duration, int, time.Duration) {
	lat := make([]time.Duration, n)
	var won atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for r := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, res := who(r)
			<-start
			t0 := time.Now()
			code, out := res.try(client, base, st)
			lat[r] = time.Since(t0)
			switch code {
			case 201:
				won.Add(1)
			case 409:
			default:
				b.Errorf("resident %d: %d %s", r, code, out)
			}
		}()
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	return lat, int(won.Load()), time.Since(t0)
}

// BenchmarkBookingSustained: an open-loop generator books at a fixed rate
// (200 per second) for 10 s (4 s with -quick) over HTTP, each resident of
// their own, spread over a day's slots of capacity 100. A booking's
// latency counts from the moment it was due, so a server falling behind
// shows in the figures (no coordinated omission). Target on PostgreSQL:
// p99 under 50 ms.
func BenchmarkBookingSustained(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) { sustained(b, kind, 200) })
	}
}

func sustained(b *testing.B, kind string, rate int) {
	secs := 10
	if benchQuick() {
		secs = 4
	}
	n := rate * secs
	s := startBenchServer(b, benchDatabaseURL(b, kind), nil)
	svc, _ := s.matter("Ciągły", allDay, 100, 365)
	client := residentClient(rate)
	b.Cleanup(client.CloseIdleConnections)
	f := newFigures()
	round := 0
	for b.Loop() {
		b.StopTimer()
		_, days := s.seatDays(svc, round+1, n/100+1, 100)
		slots := days[round]
		cpu0 := s.cpu()
		lat := make([]time.Duration, n)
		codes := make([]int, n)
		var wg sync.WaitGroup
		b.StartTimer()
		t0 := time.Now()
		for i := range n {
			due := t0.Add(time.Duration(i) * time.Second / time.Duration(rate))
			time.Sleep(time.Until(due))
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, out := resident(round*n+i).try(client, s.base, seat{Service: svc, Start: slots[i%len(slots)].Start})
				lat[i], codes[i] = time.Since(due), code
				if code != 201 {
					b.Errorf("booking %d: %d %s", i, code, out)
				}
			}()
		}
		wg.Wait()
		took := time.Since(t0)
		b.StopTimer()
		cpu := s.cpu() - cpu0
		s.mailed((round + 1) * n)
		cpuMail := s.cpu() - cpu0
		f.add("bookings/s", float64(n)/took.Seconds(), fmt.Sprintf("bookings answered per second, offered %d/s for %d s", rate, secs))
		f.add("p50-ms", ms(lat, 0.50), "a booking's answer from when it was due, median")
		f.add("p99-ms", ms(lat, 0.99), "a booking's answer from when it was due, 99th percentile (target < 50)")
		f.add("slowest-ms", ms(lat, 1), "the slowest booking's answer")
		f.add("cpu-ms/booking", float64(cpu.Microseconds())/1000/float64(n), "the server process's CPU time while booking, per booking")
		f.add("cpu-ms/booking+mail", float64(cpuMail.Microseconds())/1000/float64(n), "the same until every booking's e-mail was sent")
		round++
		b.StartTimer()
	}
	f.report(b)
}

// try books s for r over HTTP as resident.book does, and returns the
// status and the answer.
func (r resident) try(client *http.Client, base string, s seat) (int, []byte) {
	body := map[string]any{
		"service_id": s.Service, "start": s.Start.Format(time.RFC3339), "name": "Mieszkanka Testowa",
		"pesel": r.pesel(), "email": fmt.Sprintf("mieszkaniec%d@example.pl", int(r)), "consent": true,
	}
	return callJSON(client, "POST", base+"/api/v1/bookings", body, "", r.addr())
}

// pgbench runs tools/bench's pgbench scripts against the benchmark's
// database (its schema), 20 clients, the size of the server's pool.
type pgbench struct {
	b       *testing.B
	conn    string // the database's URL without the schema
	options string // PGOPTIONS selecting the schema
	secs    int
}

var pgbenchTPS = regexp.MustCompile(`(?m)^tps = ([0-9.]+)`)

// newPgbench makes pgbench's tables in the database at dbURL.
func newPgbench(b *testing.B, dbURL string) *pgbench {
	if _, err := exec.LookPath("pgbench"); err != nil {
		b.Fatal("pgbench is not installed: the storm's ratio to the database's own rate needs it")
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		b.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	p := &pgbench{b: b, conn: u.String(), options: "-c search_path=" + schema, secs: 8}
	if benchQuick() {
		p.secs = 3
	}
	setup, err := os.ReadFile("../../tools/bench/pgbench-setup.sql")
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command("psql", p.conn, "-q", "-v", "ON_ERROR_STOP=1")
	cmd.Env = append(os.Environ(), "PGOPTIONS="+p.options)
	cmd.Stdin = strings.NewReader(string(setup))
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("pgbench-setup.sql: %v\n%s", err, out)
	}
	return p
}

// run runs one script for p.secs seconds and returns its transactions per
// second.
func (p *pgbench) run(script string) float64 {
	cmd := exec.Command("pgbench", p.conn, "-n", "-M", "prepared", "-c", "20", "-j", "2", "-T", strconv.Itoa(p.secs), "-f", "../../tools/bench/"+script)
	cmd.Env = append(os.Environ(), "PGOPTIONS="+p.options)
	out, err := cmd.CombinedOutput()
	m := pgbenchTPS.FindSubmatch(out)
	if err != nil || m == nil {
		p.b.Fatalf("pgbench %s: %v\n%s", script, err, out)
	}
	tps, _ := strconv.ParseFloat(string(m[1]), 64)
	return tps
}
