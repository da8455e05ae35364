package ratelimit_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office/officetest"
	"github.com/okienko/okienko/ratelimit"
)

// start is when the clock starts: 10:00 in Warsaw on the Monday of the
// test week (officetest.Anchor).
func start(t testing.TB) time.Time { return officetest.Anchor(t).At(0, 10, 0) }

// monthEnd is 100 ms before the first midnight (UTC) of the month after the
// test week's Monday, so that 200 ms from it cross midnight, a day and a
// month at once.
func monthEnd(t testing.TB) time.Time {
	m := officetest.Anchor(t).Monday
	return time.Date(m.Year, m.Month+1, 1, 0, 0, 0, 0, time.UTC).Add(-100 * time.Millisecond)
}

// Fifty instances hitting one key at once each get a different count, and
// together exactly 1..50: no hit is lost or counted twice.
func TestHitConcurrent(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		t0 := start(t)
		c := ratelimit.New(db, okienko.NewManualClock(t0))
		const n = 50
		var wg sync.WaitGroup
		results := make([]int, n)
		ends := make([]time.Time, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				results[i], ends[i], errs[i] = c.Hit(ctx, "k", time.Minute)
			})
		}
		wg.Wait()
		seen := make(map[int]bool)
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("hit %d: %v", i, errs[i])
			}
			if results[i] < 1 || results[i] > n || seen[results[i]] {
				t.Fatalf("hit %d returned %d; results %v", i, results[i], results)
			}
			seen[results[i]] = true
			if !ends[i].Equal(t0.Add(time.Minute)) {
				t.Errorf("hit %d window end %v, want %v", i, ends[i], t0.Add(time.Minute))
			}
		}
		hits, _, err := c.Peek(ctx, "k")
		if err != nil || hits != n {
			t.Fatalf("Peek = %d, %v; want %d", hits, err, n)
		}
	})
}

// A window lasts from the first hit to exactly window later; at its end the
// count starts over with a new window. The cases straddle whole and
// fractional seconds, which SQLite compares as text.
func TestHitWindowExpiry(t *testing.T) {
	t0 := start(t)
	cases := []struct {
		name   string
		start  time.Time
		window time.Duration
	}{
		{"whole seconds", t0, 15 * time.Minute},
		{"ends on a fraction", t0, 1500 * time.Millisecond},
		{"starts on a fraction, ends on a whole second", t0.Add(250 * time.Millisecond), 750 * time.Millisecond},
		{"microseconds", t0.Add(123456 * time.Microsecond), 10*time.Second + time.Microsecond},
		{"across midnight and a month", monthEnd(t), 200 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
				ctx := context.Background()
				clock := okienko.NewManualClock(tc.start)
				c := ratelimit.New(db, clock)
				end := tc.start.Add(tc.window)
				for want := 1; want <= 3; want++ {
					hits, gotEnd, err := c.Hit(ctx, "login:user:ala", tc.window)
					if err != nil {
						t.Fatal(err)
					}
					if hits != want || !gotEnd.Equal(end) {
						t.Fatalf("hit %d = %d, %v; want %d, %v", want, hits, gotEnd, want, end)
					}
				}
				// Just before the end the window still runs.
				clock.Set(end.Add(-time.Microsecond))
				hits, gotEnd, err := c.Hit(ctx, "login:user:ala", tc.window)
				if err != nil || hits != 4 || !gotEnd.Equal(end) {
					t.Fatalf("hit before end = %d, %v, %v; want 4, %v", hits, gotEnd, err, end)
				}
				if hits, pEnd, _ := c.Peek(ctx, "login:user:ala"); hits != 4 || !pEnd.Equal(end) {
					t.Fatalf("Peek before end = %d, %v; want 4, %v", hits, pEnd, end)
				}
				// At the end it has ended: Peek sees nothing, a hit starts over.
				clock.Set(end)
				if hits, pEnd, _ := c.Peek(ctx, "login:user:ala"); hits != 0 || !pEnd.IsZero() {
					t.Fatalf("Peek at end = %d, %v; want 0, zero", hits, pEnd)
				}
				hits, gotEnd, err = c.Hit(ctx, "login:user:ala", tc.window)
				if err != nil || hits != 1 || !gotEnd.Equal(end.Add(tc.window)) {
					t.Fatalf("hit at end = %d, %v, %v; want 1, %v", hits, gotEnd, err, end.Add(tc.window))
				}
			})
		})
	}
}

// Keys count separately; Reset forgets one key; Sweep deletes only ended
// windows; a window that isn't positive is refused.
func TestPeekResetSweep(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := okienko.NewManualClock(start(t))
		c := ratelimit.New(db, clock)

		if hits, end, err := c.Peek(ctx, "absent"); err != nil || hits != 0 || !end.IsZero() {
			t.Fatalf("Peek absent = %d, %v, %v", hits, end, err)
		}
		for range 3 {
			if _, _, err := c.Hit(ctx, "short", time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := c.Hit(ctx, "long", time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Hit(ctx, "other", time.Hour); err != nil {
			t.Fatal(err)
		}
		if hits, _, _ := c.Peek(ctx, "short"); hits != 3 {
			t.Fatalf("Peek short = %d, want 3", hits)
		}
		if hits, _, _ := c.Peek(ctx, "long"); hits != 1 {
			t.Fatalf("Peek long = %d, want 1", hits)
		}

		if err := c.Reset(ctx, "other"); err != nil {
			t.Fatal(err)
		}
		if err := c.Reset(ctx, "never-seen"); err != nil {
			t.Fatalf("Reset unknown key: %v", err)
		}
		if hits, _, _ := c.Peek(ctx, "other"); hits != 0 {
			t.Fatalf("Peek after Reset = %d, want 0", hits)
		}

		if n, err := c.Sweep(ctx); err != nil || n != 0 {
			t.Fatalf("Sweep with nothing ended = %d, %v", n, err)
		}
		clock.Advance(time.Minute)
		n, err := c.Sweep(ctx)
		if err != nil || n != 1 {
			t.Fatalf("Sweep = %d, %v; want 1", n, err)
		}
		var left []string
		if err := db.Raw(`SELECT "key" FROM rate_counters`).Scan(&left).Error; err != nil {
			t.Fatal(err)
		}
		if len(left) != 1 || left[0] != "long" {
			t.Fatalf("keys left after Sweep = %v, want [long]", left)
		}

		if _, _, err := c.Hit(ctx, "k", 0); okienko.ErrorCode(err) != okienko.EINVALID {
			t.Fatalf("Hit with zero window: %v, want EINVALID", err)
		}
	})
}
