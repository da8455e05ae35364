package booking_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
)

// benchDatabases runs fn on SQLite and, with TEST_DATABASE_URL, PostgreSQL.
func benchDatabases(b *testing.B, fn func(b *testing.B, db *gorm.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, databasetest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, databasetest.Postgres(b)) })
}

// percentiles reports p50 and p99 of ds as benchmark metrics in ms.
func percentiles(b *testing.B, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	p := func(q float64) float64 { return float64(ds[int(q*float64(len(ds)-1))].Microseconds()) / 1000 }
	b.ReportMetric(p(0.50), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
}

// BenchmarkAvailability: the store's 30-day calendar of one service with
// 50,000 bookings in the database, and one day's slots, called in process
// (no HTTP, no history): for profiling the store. What residents get is
// cmd/okienko's BenchmarkAvailability, which tools/bench/run runs.
func BenchmarkAvailability(b *testing.B) {
	benchDatabases(b, func(b *testing.B, db *gorm.DB) {
		w := newWorld(b, db, func(s *office.ServiceSpec) { s.Capacity = 100 })
		fill(b, w, 50000)
		from := w.day(0)
		ctx := context.Background()
		b.Run("days-30", func(b *testing.B) {
			ds := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				days, err := w.store.Days(ctx, w.svc.ID, from, from.AddDays(30))
				ds = append(ds, time.Since(t0))
				if err != nil || len(days) != 31 {
					b.Fatal(err)
				}
			}
			percentiles(b, ds)
		})
		b.Run("slots-1", func(b *testing.B) {
			ds := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				_, err := w.store.Slots(ctx, w.svc.ID, from.AddDays(1+i%25))
				ds = append(ds, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
			}
			percentiles(b, ds)
		})
	})
}

// fill inserts n live bookings spread over the service's open slots of the
// next 30 days, in batches (the seat path is measured elsewhere).
func fill(b *testing.B, w *world, n int) {
	b.Helper()
	ctx := context.Background()
	from := w.day(0)
	var slots []booking.Slot
	for d := 0; d <= 30; d++ {
		s, err := w.store.Slots(ctx, w.svc.ID, from.AddDays(d))
		if err != nil {
			b.Fatal(err)
		}
		slots = append(slots, s...)
	}
	now := w.clock.Now()
	rows := make([]booking.Booking, 0, n)
	for i := 0; i < n; i++ {
		sl := slots[i%len(slots)]
		var rb [8]byte
		_, _ = rand.Read(rb[:])
		h := hex.EncodeToString(rb[:])
		code := fmt.Sprintf("B%07d", i)
		name, email, last4 := "Jan Kowalski", "jan@example.pl", "1234"
		rows = append(rows, booking.Booking{
			Code: code, ServiceID: w.svc.ID, Day: office.DateOf(sl.Start.In(warsaw)), StartsAt: sl.Start, EndsAt: sl.End,
			Status: booking.StatusBooked, Name: &name, Email: &email, PESELHMAC: &h, PESELLast4: &last4, Lang: "pl",
			ConsentAt: now, CreatedAt: now, UpdatedAt: now,
		})
	}
	if err := w.db.CreateInBatches(rows, 500).Error; err != nil {
		b.Fatal(err)
	}
	if _, err := w.store.RebuildLoad(ctx); err != nil {
		b.Fatal(err)
	}
	if w.db.Dialector.Name() == "postgres" {
		w.db.Exec("ANALYZE bookings")
	} else {
		w.db.Exec("ANALYZE")
	}
}

// BenchmarkBookingStorm: 500 goroutines at once call Store.Book on 20
// slots of capacity 1; exactly 20 win every storm. In process (no HTTP,
// JSON, middleware or rate limiter): for profiling the seat path, not a
// figure of what residents get (cmd/okienko's BenchmarkBookingStorm,
// which tools/bench/run runs).
func BenchmarkBookingStorm(b *testing.B) {
	benchDatabases(b, func(b *testing.B, db *gorm.DB) { storm(b, db, 1) })
}

// BenchmarkBookingWins: 500 goroutines at once call Store.Book on 20 slots
// of capacity 25: every one wins, so every attempt is the whole
// seat-taking transaction. In process, for profiling, like
// BenchmarkBookingStorm.
func BenchmarkBookingWins(b *testing.B) {
	benchDatabases(b, func(b *testing.B, db *gorm.DB) { storm(b, db, 25) })
}

// storm books 500 residents at once on 20 slots of a day, a new day per
// iteration, and fails unless exactly min(500, 20×capacity) win.
func storm(b *testing.B, db *gorm.DB, capacity int) {
	const residents, slotCount = 500, 20
	want := min(residents, slotCount*capacity)
	w := newWorld(b, db, func(s *office.ServiceSpec) { s.BookingDaysAhead, s.Capacity, s.MaxActivePerPESEL = 365, capacity, 50 })
	ctx := context.Background()
	var ds []time.Duration
	var mu sync.Mutex
	day := w.day(1)
	attempts := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday || func() bool { _, h := office.Holiday(day); return h }() {
			day = day.AddDays(1)
		}
		slots, err := w.store.Slots(ctx, w.svc.ID, day)
		if err != nil || len(slots) < slotCount {
			b.Fatalf("slots of %s: %d %v", day, len(slots), err)
		}
		slots = slots[:slotCount]
		b.StartTimer()
		var wg sync.WaitGroup
		won := 0
		for r := 0; r < residents; r++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req := w.request(i*residents+r, slots[r%slotCount].Start)
				t0 := time.Now()
				_, err := w.store.Book(ctx, req)
				d := time.Since(t0)
				mu.Lock()
				ds = append(ds, d)
				if err == nil {
					won++
				} else if okienko.ErrorCode(err) != okienko.ECONFLICT {
					b.Error(err)
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		attempts += residents
		if won != want {
			b.Fatalf("storm %d: %d bookings won, want exactly %d", i, won, want)
		}
		day = day.AddDays(1)
	}
	b.ReportMetric(float64(attempts)/b.Elapsed().Seconds(), "attempts/s")
	percentiles(b, ds)
}
