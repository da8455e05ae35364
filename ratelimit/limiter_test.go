package ratelimit_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/ratelimit"
)

// eachLimiter runs fn on the database Counter (SQLite and PostgreSQL) and
// on Memory, each with its own manual clock at start.
func eachLimiter(t *testing.T, fn func(t *testing.T, l ratelimit.Limiter, clock *okienko.ManualClock)) {
	t.Run("memory", func(t *testing.T) {
		clock := okienko.NewManualClock(start(t))
		fn(t, ratelimit.NewMemory(clock), clock)
	})
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		clock := okienko.NewManualClock(start(t))
		fn(t, ratelimit.New(db, clock), clock)
	})
}

// N takes at once on one key with a limit of L: exactly L allowed, and the
// refused ones leave the count at L, so after one refund exactly one more
// is allowed.
func TestTakeRace(t *testing.T) {
	eachLimiter(t, func(t *testing.T, l ratelimit.Limiter, clock *okienko.ManualClock) {
		ctx := context.Background()
		const n, limit = 60, 7
		var allowed atomic.Int32
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				ok, end, err := ratelimit.Take(ctx, l, "k", limit, time.Minute)
				if err != nil {
					t.Error(err)
				}
				if !end.Equal(clock.Now().Add(time.Minute)) {
					t.Errorf("window end %v", end)
				}
				if ok {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		if allowed.Load() != limit {
			t.Fatalf("%d of %d allowed, want exactly %d", allowed.Load(), n, limit)
		}
		if err := l.Undo(ctx, "k"); err != nil {
			t.Fatal(err)
		}
		for i, want := range []bool{true, false, false} {
			if ok, _, err := ratelimit.Take(ctx, l, "k", limit, time.Minute); ok != want || err != nil {
				t.Fatalf("take %d after a refund: %v %v, want %v", i+1, ok, err, want)
			}
		}
		// Another key is counted apart.
		if ok, _, _ := ratelimit.Take(ctx, l, "other", limit, time.Minute); !ok {
			t.Fatal("another key refused")
		}
	})
}

// A window ends exactly window after its first hit and the next hit starts
// over at 1; Undo on an ended or unknown window changes nothing.
func TestLimiterWindows(t *testing.T) {
	eachLimiter(t, func(t *testing.T, l ratelimit.Limiter, clock *okienko.ManualClock) {
		ctx := context.Background()
		t0 := clock.Now()
		hit := func(want int) {
			t.Helper()
			n, end, err := l.Hit(ctx, "k", 10*time.Second)
			if err != nil || n != want {
				t.Fatalf("hit = %d, %v; want %d", n, err, want)
			}
			_ = end
		}
		if err := l.Undo(ctx, "unknown"); err != nil {
			t.Fatal(err)
		}
		hit(1)
		hit(2)
		if err := l.Undo(ctx, "k"); err != nil {
			t.Fatal(err)
		}
		hit(2)
		clock.Set(t0.Add(10*time.Second - time.Microsecond))
		hit(3)
		clock.Set(t0.Add(10 * time.Second))
		if err := l.Undo(ctx, "k"); err != nil {
			t.Fatal(err)
		}
		n, end, err := l.Hit(ctx, "k", 10*time.Second)
		if err != nil || n != 1 || !end.Equal(t0.Add(20*time.Second)) {
			t.Fatalf("after the window: %d %v %v", n, end, err)
		}
		// Undo never goes below zero.
		for range 3 {
			if err := l.Undo(ctx, "k"); err != nil {
				t.Fatal(err)
			}
		}
		hit(1)
		if _, _, err := l.Hit(ctx, "k", 0); okienko.ErrorCode(err) != okienko.EINVALID {
			t.Fatalf("a zero window: %v", err)
		}
	})
}

// Memory drops ended windows as hits come, so its size follows the running
// windows, not every key ever seen.
func TestMemorySweeps(t *testing.T) {
	clock := okienko.NewManualClock(start(t))
	m := ratelimit.NewMemory(clock)
	ctx := context.Background()
	for i := range 1000 {
		if _, _, err := m.Hit(ctx, fmt.Sprintf("addr-%d", i), 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if m.Len() != 1000 {
		t.Fatalf("Len = %d, want 1000", m.Len())
	}
	clock.Advance(2 * time.Minute)
	// 2,000 keys reach every one of the 64 shards but with odds of e⁻³¹.
	for i := range 2000 {
		if _, _, err := m.Hit(ctx, fmt.Sprintf("new-%d", i), 10*time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if m.Len() != 2000 {
		t.Fatalf("Len = %d after the old windows ended, want 2000", m.Len())
	}
}
