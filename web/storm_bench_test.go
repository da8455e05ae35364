package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/web"
)

// residentPESEL is the n-th of a run of distinct valid PESELs (born from
// 1950 on, a thousand a day), for tests with many residents.
func residentPESEL(n int) string {
	born := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n/1000)
	month := int(born.Month())
	if born.Year() >= 2000 {
		month += 20
	}
	return peselOf(fmt.Sprintf("%02d%02d%02d", born.Year()%100, month, born.Day()), fmt.Sprintf("%04d", n%1000))
}

// residentAddress is the n-th of distinct client addresses (198.18.0.0/15,
// the benchmarking range).
func residentAddress(n int) string {
	return fmt.Sprintf("198.%d.%d.%d", 18+(n>>16)&1, (n>>8)&0xff, n&0xff)
}

// BenchmarkHTTPBookingStorm: 500 residents at once through real HTTP on a
// socket, with the rate limits as production has them (DefaultRateLimits,
// behind a trusted proxy giving each resident's address in
// X-Forwarded-For), on 20 slots of capacity 1 (exactly 20 win) and of
// capacity 25 (all 500 win). Reported: attempts per second over all storms
// and the slowest, median and fastest storm's.
func BenchmarkHTTPBookingStorm(b *testing.B) {
	for _, dbName := range []string{"sqlite", "postgres"} {
		b.Run(dbName, func(b *testing.B) {
			for _, capacity := range []int{1, 25} {
				b.Run(fmt.Sprintf("cap%d", capacity), func(b *testing.B) {
					var db *gorm.DB
					if dbName == "sqlite" {
						db = databasetest.SQLite(b)
					} else {
						db = databasetest.Postgres(b)
					}
					httpStorm(b, db, capacity)
				})
			}
		})
	}
}

// httpStorm books 500 residents at once over HTTP on 20 slots of a day of
// a service with capacity seats each, a new day per iteration, and fails
// unless exactly min(500, 20×capacity) win and the rest are told 409.
func httpStorm(b *testing.B, db *gorm.DB, capacity int) {
	const residents, slotCount = 500, 20
	want := min(residents, slotCount*capacity)
	e := newEnvTuned(b, db, web.DefaultRateLimits, func(d *web.Deps) { d.TrustedProxies = []string{"127.0.0.1"} })
	deps, err := e.offices.Departments(b.Context(), true)
	if err != nil {
		b.Fatal(err)
	}
	svc, err := e.offices.UpdateService(b.Context(), deps[1].Services[0].ID, func(s *office.ServiceSpec) error {
		s.BookingDaysAhead, s.Capacity, s.MaxActivePerPESEL = 365, capacity, 50
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	base := e.listen()
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: residents, MaxIdleConnsPerHost: residents, MaxConnsPerHost: residents}, Timeout: 5 * time.Minute}
	b.Cleanup(client.CloseIdleConnections)
	day := e.week.Day(1)
	var rates []float64
	attempts := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday || func() bool { _, h := office.Holiday(day); return h }() {
			day = day.AddDays(1)
		}
		slots, err := e.bookings.Slots(b.Context(), svc.ID, day)
		if err != nil || len(slots) < slotCount {
			b.Fatalf("slots of %s: %d %v", day, len(slots), err)
		}
		bodies := make([][]byte, residents)
		for r := range bodies {
			n := i*residents + r
			bodies[r], _ = json.Marshal(map[string]any{
				"service_id": svc.ID, "start": slots[r%slotCount].Start.Format(time.RFC3339), "name": "Zażółć Gęślą-Jaźń",
				"pesel": residentPESEL(n), "email": fmt.Sprintf("mieszkaniec%d@example.pl", n), "consent": true,
			})
		}
		b.StartTimer()
		t0 := time.Now()
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := 0
		for r := 0; r < residents; r++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("POST", base+"/api/v1/bookings", bytes.NewReader(bodies[r]))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Forwarded-For", residentAddress(i*residents+r))
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				out, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				mu.Lock()
				defer mu.Unlock()
				switch resp.StatusCode {
				case 201:
					won++
				case 409:
				default:
					b.Errorf("resident %d: %d %s", r, resp.StatusCode, out)
				}
			}()
		}
		wg.Wait()
		rates = append(rates, residents/time.Since(t0).Seconds())
		attempts += residents
		if won != want {
			b.Fatalf("storm %d: %d bookings won, want exactly %d", i, won, want)
		}
		day = day.AddDays(1)
	}
	b.ReportMetric(float64(attempts)/b.Elapsed().Seconds(), "attempts/s")
	sort.Float64s(rates)
	b.ReportMetric(rates[0], "min-attempts/s")
	b.ReportMetric(rates[len(rates)/2], "median-attempts/s")
	b.ReportMetric(rates[len(rates)-1], "max-attempts/s")
}
