package queue_test

import (
	"sort"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
)

// BenchmarkCallNext: 20 clerks press "next" at once over 1,000 waiting
// tickets, each starting the ticket it got, until the queue is empty; no
// ticket is called twice. Reported: calls per second and the latency of
// one CallNext, p50 and p99. In process (no HTTP, sessions or
// middleware): for profiling the store; what clerks get is cmd/okienko's
// BenchmarkCallNext, which tools/bench/run runs.
func BenchmarkCallNext(b *testing.B) {
	for _, d := range []struct {
		name string
		open func(testing.TB) *gorm.DB
	}{{"sqlite", databasetest.SQLite}, {"postgres", databasetest.Postgres}} {
		b.Run(d.name, func(b *testing.B) {
			h := newHall(b, d.open(b))
			const clerks, tickets = 20, 1000
			seats := make([]seat, clerks)
			for i := range seats {
				seats[i].counter, seats[i].user = h.clerk(b, i+1)
			}
			var ds []time.Duration
			calls := 0
			var elapsed time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				for j := 0; j < tickets; j++ {
					h.walkIn(b, h.a, j%50 == 0)
				}
				called, lat, took := h.drain(b, seats, b.StartTimer)
				elapsed += took
				ds = append(ds, lat...)
				if len(called) != tickets {
					b.Fatalf("%d tickets called, want %d", len(called), tickets)
				}
				for id, n := range called {
					if n != 1 {
						b.Fatalf("ticket %d called %d times", id, n)
					}
				}
				calls += len(called)
			}
			b.ReportMetric(float64(calls)/elapsed.Seconds(), "calls/s")
			sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
			b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
