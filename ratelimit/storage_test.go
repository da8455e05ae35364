package ratelimit_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/ratelimit"
)

// mustGet returns the value under key, failing the test on an error.
func mustGet(t *testing.T, s *ratelimit.Storage, key string) []byte {
	t.Helper()
	v, err := s.Get(key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return v
}

func mustSet(t *testing.T, s *ratelimit.Storage, key string, val []byte, exp time.Duration) {
	t.Helper()
	if err := s.Set(key, val, exp); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

// kvKeys returns every key in kv_store, whatever its prefix or expiry,
// sorted bytewise (PostgreSQL's collation may order them otherwise).
func kvKeys(t *testing.T, db *gorm.DB) []string {
	t.Helper()
	var keys []string
	if err := db.Raw(`SELECT "key" FROM kv_store`).Scan(&keys).Error; err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	return keys
}

// Set, Get, overwrite and Delete behave like a map; missing keys read as
// nil without an error; empty keys and values are ignored.
func TestStorageSetGetDelete(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := ratelimit.NewStorage(db, okienko.NewManualClock(start(t)), "limiter:")

		if v := mustGet(t, s, "a"); v != nil {
			t.Fatalf("Get of a missing key = %q, want nil", v)
		}
		mustSet(t, s, "a", []byte("one"), 0)
		mustSet(t, s, "b", []byte("bee"), time.Minute)
		if v := mustGet(t, s, "a"); string(v) != "one" {
			t.Fatalf("Get(a) = %q, want one", v)
		}

		// Overwrite replaces both the value and the expiry.
		mustSet(t, s, "a", []byte("two, longer than one"), time.Minute)
		if v := mustGet(t, s, "a"); string(v) != "two, longer than one" {
			t.Fatalf("Get(a) after overwrite = %q", v)
		}
		mustSet(t, s, "b", []byte("b2"), 0)
		if v := mustGet(t, s, "b"); string(v) != "b2" {
			t.Fatalf("Get(b) after overwrite = %q", v)
		}

		// The prefix is part of the stored key.
		if got, want := fmt.Sprint(kvKeys(t, db)), "[limiter:a limiter:b]"; got != want {
			t.Fatalf("stored keys %s, want %s", got, want)
		}

		if err := s.Delete("a"); err != nil {
			t.Fatal(err)
		}
		if v := mustGet(t, s, "a"); v != nil {
			t.Fatalf("Get(a) after Delete = %q, want nil", v)
		}
		if err := s.Delete("a"); err != nil {
			t.Fatalf("Delete of a missing key: %v", err)
		}
		if v := mustGet(t, s, "b"); string(v) != "b2" {
			t.Fatalf("Delete(a) touched b: %q", v)
		}

		// Empty key or value: nothing stored, no error.
		mustSet(t, s, "", []byte("x"), 0)
		mustSet(t, s, "empty", nil, 0)
		mustSet(t, s, "empty", []byte{}, 0)
		if got, want := fmt.Sprint(kvKeys(t, db)), "[limiter:b]"; got != want {
			t.Fatalf("stored keys %s, want %s", got, want)
		}
		if v := mustGet(t, s, ""); v != nil {
			t.Fatalf("Get of the empty key = %q", v)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

// Every byte value survives the round trip, including NUL and invalid
// UTF-8, and the value returned is the caller's to keep.
func TestStorageBinaryValues(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := ratelimit.NewStorage(db, okienko.NewManualClock(start(t)), "bin:")
		val := make([]byte, 0, 512)
		for i := range 256 {
			val = append(val, byte(i))
		}
		for i := range 256 {
			val = append(val, byte(255-i))
		}
		mustSet(t, s, "all", val, time.Hour)
		got := mustGet(t, s, "all")
		if !bytes.Equal(got, val) {
			t.Fatalf("round trip changed the value:\n got %v\nwant %v", got, val)
		}
		got[0] = 'x'
		if again := mustGet(t, s, "all"); !bytes.Equal(again, val) {
			t.Fatalf("changing a returned value changed the stored one")
		}
		mustSet(t, s, "nul", []byte{0}, 0)
		if got := mustGet(t, s, "nul"); !bytes.Equal(got, []byte{0}) {
			t.Fatalf("Get(nul) = %v, want [0]", got)
		}
	})
}

// A value is visible until exactly exp after it was set and gone from
// then on; exp 0 never expires. Sweep deletes the expired rows only. The
// cases straddle whole and fractional seconds, which SQLite compares as
// text.
func TestStorageExpiry(t *testing.T) {
	t0 := start(t)
	cases := []struct {
		name  string
		start time.Time
		exp   time.Duration
	}{
		{"whole seconds", t0, time.Minute},
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
				s := ratelimit.NewStorage(db, clock, "exp:")
				mustSet(t, s, "k", []byte("v"), tc.exp)
				mustSet(t, s, "forever", []byte("f"), 0)
				end := tc.start.Add(tc.exp)

				clock.Set(end.Add(-time.Microsecond))
				if v := mustGet(t, s, "k"); string(v) != "v" {
					t.Fatalf("1µs before expiry Get = %q, want v", v)
				}
				if n, err := s.Sweep(ctx); err != nil || n != 0 {
					t.Fatalf("Sweep before expiry = %d, %v; want 0", n, err)
				}

				clock.Set(end)
				if v := mustGet(t, s, "k"); v != nil {
					t.Fatalf("at expiry Get = %q, want nil", v)
				}
				clock.Set(end.Add(24 * time.Hour * 365))
				if v := mustGet(t, s, "forever"); string(v) != "f" {
					t.Fatalf("a year on, Get(forever) = %q, want f", v)
				}

				// Setting an expired key again brings it back.
				mustSet(t, s, "k", []byte("v2"), tc.exp)
				if v := mustGet(t, s, "k"); string(v) != "v2" {
					t.Fatalf("Get after setting an expired key again = %q, want v2", v)
				}
				clock.Advance(tc.exp)
				n, err := s.Sweep(ctx)
				if err != nil || n != 1 {
					t.Fatalf("Sweep = %d, %v; want 1", n, err)
				}
				if got, want := fmt.Sprint(kvKeys(t, db)), "[exp:forever]"; got != want {
					t.Fatalf("after Sweep stored keys %s, want %s", got, want)
				}
			})
		})
	}
}

// Reset and Sweep touch only keys with the Storage's prefix, compared
// exactly: not case-insensitively and not as a LIKE pattern.
func TestStoragePrefixIsolation(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := okienko.NewManualClock(start(t))
		mine := ratelimit.NewStorage(db, clock, "lim_1:")
		others := []*ratelimit.Storage{
			ratelimit.NewStorage(db, clock, "LIM_1:"),
			ratelimit.NewStorage(db, clock, "limx1:"),
			ratelimit.NewStorage(db, clock, "lim_"),
			ratelimit.NewStorage(db, clock, ""),
		}
		for _, s := range append([]*ratelimit.Storage{mine}, others...) {
			mustSet(t, s, "live", []byte("x"), 0)
			mustSet(t, s, "dying", []byte("x"), time.Second)
		}
		// Keys under one prefix are invisible under another.
		if v := mustGet(t, others[0], "lim_1:live"); v != nil {
			t.Fatalf("LIM_1: sees %q", v)
		}
		if v := mustGet(t, others[3], "lim_1:live"); string(v) != "x" {
			t.Fatalf("the empty prefix should see the full key, got %q", v)
		}

		clock.Advance(time.Second)
		if n, err := mine.Sweep(ctx); err != nil || n != 1 {
			t.Fatalf("Sweep = %d, %v; want 1", n, err)
		}
		if err := mine.Reset(); err != nil {
			t.Fatal(err)
		}
		want := "[LIM_1:dying LIM_1:live dying lim_dying lim_live limx1:dying limx1:live live]"
		if got := fmt.Sprint(kvKeys(t, db)); got != want {
			t.Fatalf("after Reset stored keys\n %s\nwant\n %s", got, want)
		}
		for _, s := range others {
			if v := mustGet(t, s, "live"); string(v) != "x" {
				t.Fatalf("another prefix lost its key: %q", v)
			}
		}

		// The empty prefix owns every key.
		if err := others[3].Reset(); err != nil {
			t.Fatal(err)
		}
		if keys := kvKeys(t, db); len(keys) != 0 {
			t.Fatalf("Reset with the empty prefix left %v", keys)
		}
	})
}

// Many instances setting one new key at once all succeed: Set is one
// upsert, not a read then an insert.
func TestStorageSetConcurrent(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := ratelimit.NewStorage(db, okienko.NewManualClock(start(t)), "c:")
		const n = 20
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { errs[i] = s.Set("k", []byte{byte(i)}, time.Minute) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("Set %d: %v", i, err)
			}
		}
		v := mustGet(t, s, "k")
		if len(v) != 1 || v[0] >= n {
			t.Fatalf("Get = %v, want one of the values set", v)
		}
	})
}

// Fiber's limiter over one database limits across instances: with Max 5,
// three requests to A and two to B pass, and the sixth is refused whichever
// instance it reaches.
func TestStorageFiberLimiterAcrossInstances(t *testing.T) {
	for _, sixth := range []string{"A", "B"} {
		t.Run("sixth to "+sixth, func(t *testing.T) {
			databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
				clock := okienko.NewManualClock(start(t))
				newApp := func() *fiber.App {
					app := fiber.New()
					app.Use(limiter.New(limiter.Config{
						Storage:      ratelimit.NewStorage(db, clock, "limiter:"),
						Max:          5,
						Expiration:   time.Minute,
						KeyGenerator: func(*fiber.Ctx) string { return "login" },
					}))
					app.Get("/", func(c *fiber.Ctx) error { return c.SendString("ok") })
					return app
				}
				apps := map[string]*fiber.App{"A": newApp(), "B": newApp()}
				request := func(name string) *http.Response {
					t.Helper()
					resp, err := apps[name].Test(httptest.NewRequest(http.MethodGet, "/", nil), -1)
					if err != nil {
						t.Fatalf("request to %s: %v", name, err)
					}
					t.Cleanup(func() { resp.Body.Close() })
					return resp
				}

				for i, name := range []string{"A", "A", "A", "B", "B"} {
					resp := request(name)
					if resp.StatusCode != http.StatusOK {
						t.Fatalf("request %d to %s: status %d, want 200", i+1, name, resp.StatusCode)
					}
					if got, want := resp.Header.Get("X-RateLimit-Remaining"), fmt.Sprint(4-i); got != want {
						t.Fatalf("request %d to %s: remaining %s, want %s", i+1, name, got, want)
					}
				}
				resp := request(sixth)
				if resp.StatusCode != http.StatusTooManyRequests {
					t.Fatalf("sixth request to %s: status %d, want 429", sixth, resp.StatusCode)
				}
				if resp.Header.Get(fiber.HeaderRetryAfter) == "" {
					t.Errorf("429 without Retry-After")
				}
				// The limiter's state is in kv_store under the prefix.
				if got, want := fmt.Sprint(kvKeys(t, db)), "[limiter:login]"; got != want {
					t.Fatalf("stored keys %s, want %s", got, want)
				}
			})
		})
	}
}
