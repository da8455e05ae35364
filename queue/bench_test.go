package queue_test

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/queue"
)

// BenchmarkCallNext: 20 clerks press "next" at once over 1,000 waiting
// tickets, each starting the ticket it got, until the queue is empty; no
// ticket is called twice. Reported: calls per second and the latency of
// one CallNext, p50 and p99.
func BenchmarkCallNext(b *testing.B) {
	for _, d := range []struct {
		name string
		open func(testing.TB) *gorm.DB
	}{{"sqlite", databasetest.SQLite}, {"postgres", databasetest.Postgres}} {
		b.Run(d.name, func(b *testing.B) {
			h := newHall(b, d.open(b))
			ctx := context.Background()
			const clerks, tickets = 20, 1000
			type seat struct{ counter, user int64 }
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
				seen := map[int64]bool{}
				var mu sync.Mutex
				var wg sync.WaitGroup
				gate := make(chan struct{})
				for _, st := range seats {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-gate
						for {
							t0 := time.Now()
							tk, err := h.q.CallNext(ctx, st.counter, st.user)
							d := time.Since(t0)
							if err != nil {
								b.Error(err)
								return
							}
							if tk == nil {
								return
							}
							mu.Lock()
							if seen[tk.ID] {
								b.Errorf("ticket %d called twice", tk.ID)
							}
							seen[tk.ID] = true
							ds = append(ds, d)
							mu.Unlock()
							if _, err := h.q.Act(ctx, tk.ID, st.user, queue.ActStart, ""); err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				b.StartTimer()
				t0 := time.Now()
				close(gate)
				wg.Wait()
				elapsed += time.Since(t0)
				if len(seen) != tickets {
					b.Fatalf("%d tickets called, want %d", len(seen), tickets)
				}
				calls += len(seen)
			}
			b.ReportMetric(float64(calls)/elapsed.Seconds(), "calls/s")
			sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
			b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
