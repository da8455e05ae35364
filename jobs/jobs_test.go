package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office/officetest"
)

var warsaw = officetest.Warsaw

// at returns hh:mm:ss.ns on the Warsaw wall clock on the test week's Monday
// (officetest.Anchor).
func at(t *testing.T, hh, mm, ss, ns int) time.Time {
	t.Helper()
	return officetest.Anchor(t).At(0, hh, mm).Add(time.Duration(ss)*time.Second + time.Duration(ns))
}

// logBuffer collects a scheduler's log lines for assertions.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// attempt is one lock attempt's outcome as the locker reports it.
type attempt struct {
	instance string
	job      string
	tick     time.Time
	ran      bool
}

// lateClock reads a fake clock shifted by latency: how late (or, negative,
// early) the instance's code reads the time after its timer fired.
type lateClock struct {
	fake    *clockwork.FakeClock
	latency time.Duration
}

func (c lateClock) Now() time.Time { return c.fake.Now().Add(c.latency) }

// node is one simulated instance: a scheduler driven by its own fake clock,
// which shows real time + offset; its locker reads that clock + latency.
type node struct {
	name   string
	s      *Scheduler
	fake   *clockwork.FakeClock
	offset time.Duration
	log    *logBuffer
}

// newNode starts no timers yet; attempts receives every lock outcome.
func newNode(t *testing.T, db *gorm.DB, name string, realStart time.Time, offset, latency time.Duration, attempts chan<- attempt) *node {
	t.Helper()
	n := &node{name: name, fake: clockwork.NewFakeClockAt(realStart.Add(offset)), offset: offset, log: &logBuffer{}}
	s, err := NewScheduler(db, lateClock{n.fake, latency}, warsaw, n.log.logger(),
		WithInstance(name),
		WithGocronClock(n.fake),
		withRunObserver(func(job string, tick time.Time, ran bool) {
			attempts <- attempt{instance: name, job: job, tick: tick, ran: ran}
		}))
	if err != nil {
		t.Fatalf("NewScheduler(%s): %v", name, err)
	}
	t.Cleanup(func() {
		if err := s.Shutdown(); err != nil {
			t.Errorf("Shutdown(%s): %v", name, err)
		}
		if t.Failed() {
			t.Logf("log of %s:\n%s", name, n.log.String())
		}
	})
	n.s = s
	return n
}

// waitCtx bounds every wait of a test, so a bug fails the test instead of
// hanging it.
func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// timersPerNode is the number of timers an idle node holds in these tests:
// the test's job and the built-in sweep.
const timersPerNode = 2

// settle waits until n's scheduler is done with the run of job that just
// fired: its next timer armed and the fired run dropped from its next runs.
// (An instance that lost the tick tells gocron to drop it only after the lock
// attempt we observe; moving the clock before that makes gocron reschedule
// from a stale list and fire again at once.)
func (n *node) settle(ctx context.Context, t *testing.T, job string) {
	t.Helper()
	if err := n.fake.BlockUntilContext(ctx, timersPerNode); err != nil {
		t.Fatalf("%s: timers not re-armed: %v", n.name, err)
	}
	for {
		next, err := n.s.NextRun(job)
		if err != nil {
			t.Fatalf("%s: NextRun(%s): %v", n.name, job, err)
		}
		if next.After(n.fake.Now()) {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("%s: %s still due at %s: %v", n.name, job, next, ctx.Err())
		}
		runtime.Gosched()
	}
}

func receive[T any](ctx context.Context, t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		var zero T
		t.Fatalf("waiting for %s: %v", what, ctx.Err())
		return zero
	}
}

// storedRun is a job_runs row as read back.
type storedRun struct {
	Tick       time.Time
	Instance   string
	FinishedAt *time.Time
}

func storedRuns(t *testing.T, db *gorm.DB, job string) []storedRun {
	t.Helper()
	var runs []storedRun
	if err := db.Table("job_runs").Select("tick, instance, finished_at").Where("job = ?", job).Order("tick").Scan(&runs).Error; err != nil {
		t.Fatalf("read job_runs: %v", err)
	}
	return runs
}

// Two schedulers on one database → the late-arrival job runs once per tick,
// also when their clocks disagree by less than half the interval.
func TestTwoSchedulersRunJobOncePerTick(t *testing.T) {
	const ticks = 5
	cases := []struct {
		name               string
		skewB              time.Duration // b's clock minus a's
		latencyA, latencyB time.Duration // how long after its timer each reads the clock
	}{
		{"clocks agree", 0, 0, 0},
		{"clocks agree, timers late", 0, 150 * time.Millisecond, 1700 * time.Millisecond},
		{"b 25s ahead, its timer a hair early", 25 * time.Second, 400 * time.Millisecond, -300 * time.Millisecond},
		{"b 25s behind, timers late", -25 * time.Second, 20 * time.Second, 3 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
				ctx := waitCtx(t)
				realStart := at(t, 10, 0, 30, 0)
				attempts := make(chan attempt, 100)
				ranBy := make(chan string, 100)
				var runs atomic.Int64
				nodes := []*node{
					newNode(t, db, "a", realStart, 0, tc.latencyA, attempts),
					newNode(t, db, "b", realStart, tc.skewB, tc.latencyB, attempts),
				}
				for _, n := range nodes {
					name := n.name
					err := n.s.Every("late-arrivals", time.Minute, func(ctx context.Context) error {
						runs.Add(1)
						ranBy <- name
						return nil
					})
					if err != nil {
						t.Fatalf("Every on %s: %v", name, err)
					}
					n.s.Start()
				}
				for _, n := range nodes {
					n.settle(ctx, t, "late-arrivals")
				}

				var winners []string
				firstTick := realStart.Truncate(time.Minute).Add(time.Minute)
				for i := range ticks {
					tick := firstTick.Add(time.Duration(i) * time.Minute)
					// Each node fires when its own clock shows tick: at real
					// time tick - offset. Move real time to each such moment
					// in order, advancing both clocks together.
					firing := map[time.Time][]*node{}
					for _, n := range nodes {
						at := tick.Add(-n.offset)
						firing[at] = append(firing[at], n)
					}
					moments := make([]time.Time, 0, len(firing))
					for at := range firing {
						moments = append(moments, at)
					}
					slices.SortFunc(moments, time.Time.Compare)

					var tickWinners []string
					for _, at := range moments {
						for _, n := range nodes {
							n.fake.Advance(at.Add(n.offset).Sub(n.fake.Now()))
						}
						for range firing[at] {
							a := receive(ctx, t, attempts, "lock attempt at "+tick.Format(time.TimeOnly))
							if a.job != "late-arrivals" || !a.tick.Equal(tick) {
								t.Fatalf("attempt %+v, want job late-arrivals at tick %s", a, tick)
							}
							if a.ran {
								tickWinners = append(tickWinners, a.instance)
							}
						}
						for _, n := range firing[at] {
							n.settle(ctx, t, "late-arrivals")
						}
					}
					if len(tickWinners) != 1 {
						t.Fatalf("tick %s run by %v, want exactly one instance", tick, tickWinners)
					}
					if by := receive(ctx, t, ranBy, "job run"); by != tickWinners[0] {
						t.Fatalf("tick %s: job ran on %s, lock won by %s", tick, by, tickWinners[0])
					}
					if got := runs.Load(); got != int64(i+1) {
						t.Fatalf("after tick %d the job ran %d times, want %d", i+1, got, i+1)
					}
					winners = append(winners, tickWinners[0])
				}
				if len(ranBy) != 0 || len(attempts) != 0 {
					t.Fatalf("extra runs (%d) or attempts (%d) after the last tick", len(ranBy), len(attempts))
				}
				if (tc.skewB > 0 && slices.Contains(winners, "a")) || (tc.skewB < 0 && slices.Contains(winners, "b")) {
					t.Errorf("winners %v: the instance whose clock is ahead should win every tick", winners)
				}

				stored := storedRuns(t, db, "late-arrivals")
				if len(stored) != ticks {
					t.Fatalf("job_runs has %d rows, want %d: %+v", len(stored), ticks, stored)
				}
				for i, r := range stored {
					want := firstTick.Add(time.Duration(i) * time.Minute)
					if !r.Tick.Equal(want) || r.Instance != winners[i] || r.FinishedAt == nil {
						t.Errorf("row %d = {tick %s, instance %s, finished %v}, want tick %s by %s, finished", i, r.Tick, r.Instance, r.FinishedAt, want, winners[i])
					}
				}
			})
		})
	}
}

func TestLocker(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		now := at(t, 10, 5, 20, 123456789)
		clock := okienko.NewManualClock(now)
		newLocker := func(instance string) *locker {
			return &locker{db: db, clock: clock, loc: warsaw, instance: instance, log: slog.New(slog.DiscardHandler),
				periods: map[string]time.Duration{"late-arrivals": time.Minute, "reminders": 5 * time.Minute}}
		}
		a, b := newLocker("a"), newLocker("b")
		tick := at(t, 10, 5, 0, 0)

		lockA, err := a.Lock(ctx, "late-arrivals")
		if err != nil {
			t.Fatalf("a locks a free tick: %v", err)
		}
		if _, err := b.Lock(ctx, "late-arrivals"); !errors.Is(err, errTickTaken) {
			t.Fatalf("b locks the tick a holds: err = %v, want errTickTaken", err)
		}
		if _, err := a.Lock(ctx, "late-arrivals"); !errors.Is(err, errStillRunning) {
			t.Fatalf("a locks the job it is running: err = %v, want errStillRunning", err)
		}
		if _, err := b.Lock(ctx, "reminders"); err != nil {
			t.Fatalf("b locks another job at the same moment: %v", err)
		}
		if _, err := a.Lock(ctx, "unknown"); err == nil || errors.Is(err, errTickTaken) {
			t.Fatalf("lock of an unregistered job: err = %v, want a plain error", err)
		}

		stored := storedRuns(t, db, "late-arrivals")
		if len(stored) != 1 || !stored[0].Tick.Equal(tick) || stored[0].Instance != "a" || stored[0].FinishedAt != nil {
			t.Fatalf("after a's lock job_runs = %+v, want one unfinished row at %s by a", stored, tick)
		}
		var started time.Time
		if err := db.Table("job_runs").Select("started_at").Where("job = ?", "late-arrivals").Scan(&started).Error; err != nil {
			t.Fatal(err)
		}
		if want := now.Truncate(time.Microsecond); !started.Equal(want) {
			t.Errorf("started_at = %s, want %s", started, want)
		}

		// The next tick is free for both; b takes it first.
		clock.Advance(time.Minute)
		lockB, err := b.Lock(ctx, "late-arrivals")
		if err != nil {
			t.Fatalf("b locks the next tick: %v", err)
		}

		clock.Advance(30 * time.Second)
		if err := lockA.Unlock(ctx); err != nil {
			t.Fatalf("unlock a: %v", err)
		}
		if _, err := a.Lock(ctx, "late-arrivals"); !errors.Is(err, errTickTaken) {
			t.Fatalf("a, done with its run, locks the tick b holds: err = %v, want errTickTaken", err)
		}
		stored = storedRuns(t, db, "late-arrivals")
		if len(stored) != 2 {
			t.Fatalf("job_runs = %+v, want 2 rows", stored)
		}
		if f := stored[0].FinishedAt; f == nil || !f.Equal(clock.Now().Truncate(time.Microsecond)) {
			t.Errorf("a's finished_at = %v, want %s", f, clock.Now())
		}
		if stored[1].FinishedAt != nil {
			t.Errorf("b's run is still going but finished_at = %v", stored[1].FinishedAt)
		}

		// Unlock works on a cancelled context (shutdown).
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if err := lockB.Unlock(cancelled); err != nil {
			t.Fatalf("unlock b on a cancelled context: %v", err)
		}
		if stored = storedRuns(t, db, "late-arrivals"); stored[1].FinishedAt == nil {
			t.Errorf("b's finished_at not set")
		}
	})
}

func TestTickAt(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		now    string
		period time.Duration
		want   string
	}{
		{"2025-03-10T09:05:20Z", time.Minute, "2025-03-10T09:05:00Z"},
		{"2025-03-10T09:05:00Z", time.Minute, "2025-03-10T09:05:00Z"},
		{"2025-03-10T09:04:59.5Z", time.Minute, "2025-03-10T09:05:00Z"}, // timer fired a hair early
		{"2025-03-10T09:05:55Z", time.Minute, "2025-03-10T09:05:00Z"},   // run started late
		{"2025-03-10T09:09:40Z", 5 * time.Minute, "2025-03-10T09:05:00Z"},
		{"2025-03-10T09:44:00Z", 15 * time.Minute, "2025-03-10T09:30:00Z"},
		// 30 s: the minute and its half.
		{"2025-03-10T09:05:20Z", 30 * time.Second, "2025-03-10T09:05:00Z"},
		{"2025-03-10T09:05:29Z", 30 * time.Second, "2025-03-10T09:05:30Z"}, // timer fired a hair early
		{"2025-03-10T09:05:45Z", 30 * time.Second, "2025-03-10T09:05:30Z"},
		// 2 h in the office zone: even local hours (CET, UTC+1).
		{"2025-03-10T10:30:00Z", 2 * time.Hour, "2025-03-10T09:00:00Z"},
		{"2025-03-10T11:00:00Z", 2 * time.Hour, "2025-03-10T11:00:00Z"},
		// Summer (CEST, UTC+2).
		{"2025-07-01T10:30:00Z", 2 * time.Hour, "2025-07-01T10:00:00Z"},
		// The hour repeated on the autumn change: the two 02:30 runs are
		// different ticks.
		{"2025-10-26T00:30:00Z", time.Minute, "2025-10-26T00:30:00Z"},
		{"2025-10-26T01:30:00Z", time.Minute, "2025-10-26T01:30:00Z"},
		// A day: local midnight.
		{"2025-01-15T12:00:00Z", 24 * time.Hour, "2025-01-14T23:00:00Z"},
	}
	for _, c := range cases {
		if got := tickAt(utc(c.now), c.period, warsaw); !got.Equal(utc(c.want)) || got.Location() != time.UTC {
			t.Errorf("tickAt(%s, %s) = %s, want %s UTC", c.now, c.period, got, c.want)
		}
	}
	// The same on the test week (officetest.Anchor), in winter or summer
	// time: ticks follow the office's wall clock.
	week := officetest.Anchor(t)
	anchored := []struct {
		now    time.Time
		period time.Duration
		want   time.Time
	}{
		{at(t, 10, 5, 20, 0), time.Minute, at(t, 10, 5, 0, 0)},
		{at(t, 10, 4, 59, 500000000), time.Minute, at(t, 10, 5, 0, 0)},
		{at(t, 10, 9, 40, 0), 5 * time.Minute, at(t, 10, 5, 0, 0)},
		{at(t, 11, 30, 0, 0), 2 * time.Hour, at(t, 10, 0, 0, 0)},
		{at(t, 12, 0, 0, 0), 2 * time.Hour, at(t, 12, 0, 0, 0)},
		{week.At(1, 13, 0), 24 * time.Hour, week.At(1, 0, 0)},
	}
	for _, c := range anchored {
		if got := tickAt(c.now, c.period, warsaw); !got.Equal(c.want) || got.Location() != time.UTC {
			t.Errorf("tickAt(%s, %s) = %s, want %s UTC", c.now.In(warsaw), c.period, got, c.want.UTC())
		}
	}
}

func TestDailyRunsInOfficeZone(t *testing.T) {
	db := databasetest.SQLite(t)
	cases := []struct {
		name string
		now  time.Time
		want []time.Time
	}{
		{"winter", time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2025, 1, 15, 6, 0, 0, 0, time.UTC), time.Date(2025, 1, 16, 6, 0, 0, 0, time.UTC)}},
		{"summer", time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2025, 7, 1, 5, 0, 0, 0, time.UTC), time.Date(2025, 7, 2, 5, 0, 0, 0, time.UTC)}},
		{"today passed", time.Date(2025, 7, 1, 5, 0, 1, 0, time.UTC),
			[]time.Time{time.Date(2025, 7, 2, 5, 0, 0, 0, time.UTC), time.Date(2025, 7, 3, 5, 0, 0, 0, time.UTC)}},
		{"spring forward", time.Date(2025, 3, 29, 0, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2025, 3, 29, 6, 0, 0, 0, time.UTC), time.Date(2025, 3, 30, 5, 0, 0, 0, time.UTC)}},
		{"fall back", time.Date(2025, 10, 25, 0, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2025, 10, 25, 5, 0, 0, 0, time.UTC), time.Date(2025, 10, 26, 6, 0, 0, 0, time.UTC)}},
		{"test week", at(t, 0, 0, 0, 0), []time.Time{at(t, 7, 0, 0, 0), officetest.Anchor(t).At(1, 7, 0)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fake := clockwork.NewFakeClockAt(c.now)
			s, err := NewScheduler(db, fake, warsaw, slog.New(slog.DiscardHandler), WithInstance("a"), WithGocronClock(fake))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Shutdown() })
			if err := s.Daily("morning-report", 7, 0, func(context.Context) error { return nil }); err != nil {
				t.Fatal(err)
			}
			s.Start()
			got, err := s.jobs["morning-report"].gj.NextRuns(2)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || !got[0].Equal(c.want[0]) || !got[1].Equal(c.want[1]) {
				t.Fatalf("next runs = %v, want %v", got, c.want)
			}
			if next, err := s.NextRun("morning-report"); err != nil || !next.Equal(c.want[0]) {
				t.Fatalf("NextRun = %v, %v; want %s", next, err, c.want[0])
			}
		})
	}
}

func TestEveryAlignsToWallClock(t *testing.T) {
	db := databasetest.SQLite(t)
	now := at(t, 10, 2, 30, 0)
	fake := clockwork.NewFakeClockAt(now)
	s, err := NewScheduler(db, fake, warsaw, slog.New(slog.DiscardHandler), WithInstance("a"), WithGocronClock(fake))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown() })
	cases := []struct {
		interval time.Duration
		want     time.Time
	}{
		{30 * time.Second, at(t, 10, 3, 0, 0)},
		{20 * time.Second, at(t, 10, 2, 40, 0)},
		{time.Minute, at(t, 10, 3, 0, 0)},
		{5 * time.Minute, at(t, 10, 5, 0, 0)},
		{15 * time.Minute, at(t, 10, 15, 0, 0)},
		{time.Hour, at(t, 11, 0, 0, 0)},
		{2 * time.Hour, at(t, 12, 0, 0, 0)},                // even local hours
		{24 * time.Hour, officetest.Anchor(t).At(1, 0, 0)}, // local midnight
	}
	for _, c := range cases {
		if err := s.Every("every-"+c.interval.String(), c.interval, func(context.Context) error { return nil }); err != nil {
			t.Fatalf("Every(%s): %v", c.interval, err)
		}
	}
	s.Start()
	for _, c := range cases {
		next, err := s.NextRun("every-" + c.interval.String())
		if err != nil || !next.Equal(c.want) {
			t.Errorf("every %s: next run %v, %v; want %s", c.interval, next, err, c.want)
		}
	}
}

func TestRegistrationErrors(t *testing.T) {
	db := databasetest.SQLite(t)
	clock := okienko.NewManualClock(at(t, 10, 0, 0, 0))
	s, err := NewScheduler(db, clock, warsaw, nil, WithInstance("a"), WithGocronClock(clockwork.NewFakeClockAt(clock.Now())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown() })
	nop := func(context.Context) error { return nil }
	if err := s.Every("late-arrivals", time.Minute, nop); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		err   error
		code  string
		field string
	}{
		{"zero interval", s.Every("x", 0, nop), okienko.EINVALID, "interval"},
		{"a second", s.Every("x", time.Second, nop), okienko.EINVALID, "interval"},
		{"45 seconds", s.Every("x", 45*time.Second, nop), okienko.EINVALID, "interval"},
		{"half seconds", s.Every("x", 1500*time.Millisecond, nop), okienko.EINVALID, "interval"},
		{"not whole minutes", s.Every("x", 90*time.Second, nop), okienko.EINVALID, "interval"},
		{"7 minutes", s.Every("x", 7*time.Minute, nop), okienko.EINVALID, "interval"},
		{"45 minutes", s.Every("x", 45*time.Minute, nop), okienko.EINVALID, "interval"},
		{"5 hours", s.Every("x", 5*time.Hour, nop), okienko.EINVALID, "interval"},
		{"2 days", s.Every("x", 48*time.Hour, nop), okienko.EINVALID, "interval"},
		{"no name", s.Every("", time.Minute, nop), okienko.EINVALID, "name"},
		{"no function", s.Every("x", time.Minute, nil), okienko.EINVALID, "fn"},
		{"hour 24", s.Daily("x", 24, 0, nop), okienko.EINVALID, "hour"},
		{"negative hour", s.Daily("x", -1, 0, nop), okienko.EINVALID, "hour"},
		{"minute 60", s.Daily("x", 7, 60, nop), okienko.EINVALID, "minute"},
		{"duplicate", s.Every("late-arrivals", 5*time.Minute, nop), okienko.ECONFLICT, "name"},
		{"duplicate of the sweep", s.Daily(SweepJob, 4, 0, nop), okienko.ECONFLICT, "name"},
	}
	for _, c := range cases {
		e := okienko.AsError(c.err)
		if e == nil || e.Code != c.code || e.Fields[c.field] == "" {
			t.Errorf("%s: err = %v, want %s on field %s", c.name, c.err, c.code, c.field)
		}
	}
	if _, err := s.RunNow(context.Background(), "x"); okienko.ErrorCode(err) != okienko.ENOTFOUND {
		t.Errorf("RunNow of a job that failed to register: err = %v, want ENOTFOUND", err)
	}
	if _, err := s.NextRun("x"); okienko.ErrorCode(err) != okienko.ENOTFOUND {
		t.Errorf("NextRun of an unknown job: err = %v, want ENOTFOUND", err)
	}
	if _, err := NewScheduler(db, nil, nil, nil); okienko.ErrorCode(err) != okienko.EINVALID {
		t.Errorf("NewScheduler without clock and zone: err = %v, want EINVALID", err)
	}
	// A test's clock with the timers left on the real one: refused, or a
	// real minute would fire a tick of the test's day.
	_, err = NewScheduler(db, clock, warsaw, nil, WithInstance("b"))
	if okienko.ErrorCode(err) != okienko.EINVALID || !strings.Contains(err.Error(), "WithGocronClock") {
		t.Errorf("NewScheduler on a manual clock without a timer clock: err = %v, want EINVALID naming WithGocronClock", err)
	}
	s2, err := NewScheduler(db, okienko.SystemClock{}, warsaw, nil, WithInstance("c"))
	if err != nil {
		t.Fatalf("NewScheduler on the system clock: %v", err)
	}
	_ = s2.Shutdown()
}

// A job that panics or fails is logged and keeps running on later ticks.
func TestFailingJobKeepsTicking(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := waitCtx(t)
		start := at(t, 10, 0, 30, 0)
		attempts := make(chan attempt, 100)
		n := newNode(t, db, "a", start, 0, 0, attempts)
		var calls atomic.Int64
		err := n.s.Every("flaky", time.Minute, func(ctx context.Context) error {
			switch calls.Add(1) {
			case 1:
				panic("boom")
			case 2:
				return errors.New("upstream down")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		n.s.Start()
		n.settle(ctx, t, "flaky")
		first := start.Truncate(time.Minute).Add(time.Minute)
		for i := range 3 {
			tick := first.Add(time.Duration(i) * time.Minute)
			n.fake.Advance(tick.Sub(n.fake.Now()))
			a := receive(ctx, t, attempts, "run at "+tick.Format(time.TimeOnly))
			if !a.ran || !a.tick.Equal(tick) {
				t.Fatalf("tick %d: attempt %+v, want a finished run at %s", i+1, a, tick)
			}
			n.settle(ctx, t, "flaky")
		}
		if got := calls.Load(); got != 3 {
			t.Fatalf("job called %d times over 3 ticks, want 3", got)
		}
		stored := storedRuns(t, db, "flaky")
		if len(stored) != 3 {
			t.Fatalf("job_runs = %+v, want 3 rows", stored)
		}
		for _, r := range stored {
			if r.FinishedAt == nil {
				t.Errorf("run at %s has no finished_at", r.Tick)
			}
		}
		logs := n.log.String()
		for _, want := range []string{"job panicked", "boom", "job failed", "upstream down"} {
			if !strings.Contains(logs, want) {
				t.Errorf("log lacks %q:\n%s", want, logs)
			}
		}
	})
}

func TestRunNow(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := okienko.NewManualClock(at(t, 10, 0, 10, 0))
		var calls atomic.Int64
		var actors []okienko.Actor
		var mu sync.Mutex
		failure := errors.New("mail server down")
		newScheduler := func(instance string) *Scheduler {
			s, err := NewScheduler(db, clock, warsaw, slog.New(slog.DiscardHandler), WithInstance(instance), WithGocronClock(clockwork.NewFakeClockAt(clock.Now())))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Shutdown() })
			if err := s.Every("late-arrivals", time.Minute, func(ctx context.Context) error {
				calls.Add(1)
				mu.Lock()
				actors = append(actors, okienko.ActorFrom(ctx))
				mu.Unlock()
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if err := s.Every("reminders", 5*time.Minute, func(context.Context) error { return failure }); err != nil {
				t.Fatal(err)
			}
			return s
		}
		a, b := newScheduler("a"), newScheduler("b")
		ctx = okienko.WithActor(ctx, okienko.Actor{UserID: 7, Name: "admin", Role: okienko.RoleAdmin})

		steps := []struct {
			name    string
			s       *Scheduler
			advance time.Duration
			job     string
			ran     bool
			err     error
			calls   int64
		}{
			{"a runs the free tick", a, 0, "late-arrivals", true, nil, 1},
			{"b finds it taken", b, 0, "late-arrivals", false, nil, 1},
			{"a too", a, 40 * time.Second, "late-arrivals", false, nil, 1},
			{"next minute is free for b", b, 20 * time.Second, "late-arrivals", true, nil, 2},
			{"the job's error comes back", a, 0, "reminders", true, failure, 2},
		}
		for _, st := range steps {
			clock.Advance(st.advance)
			ran, err := st.s.RunNow(ctx, st.job)
			if ran != st.ran || !errors.Is(err, st.err) || calls.Load() != st.calls {
				t.Fatalf("%s: RunNow = %v, %v (calls %d); want %v, %v (calls %d)", st.name, ran, err, calls.Load(), st.ran, st.err, st.calls)
			}
		}
		for _, actor := range actors {
			if actor != okienko.SystemActor {
				t.Errorf("job ran as %+v, want the system actor", actor)
			}
		}
		stored := storedRuns(t, db, "late-arrivals")
		if len(stored) != 2 || stored[0].Instance != "a" || stored[1].Instance != "b" || stored[0].FinishedAt == nil || stored[1].FinishedAt == nil {
			t.Fatalf("job_runs = %+v, want finished runs by a then b", stored)
		}
		if _, err := a.RunNow(ctx, "nope"); okienko.ErrorCode(err) != okienko.ENOTFOUND {
			t.Fatalf("RunNow(unknown) err = %v, want ENOTFOUND", err)
		}
	})
}

func TestSweepDeletesOldRuns(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		now := at(t, 4, 30, 0, 0)
		clock := okienko.NewManualClock(now)
		s, err := NewScheduler(db, clock, warsaw, slog.New(slog.DiscardHandler), WithInstance("a"), WithGocronClock(clockwork.NewFakeClockAt(now)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Shutdown() })
		s.locker.register("late-arrivals", time.Minute)
		ticks := []time.Time{
			now.Add(-8 * 24 * time.Hour),
			now.Add(-Retention - time.Minute),
			now.Add(-Retention),
			now.Add(-time.Hour),
		}
		for _, tick := range ticks {
			lock, err := s.locker.lockTick(ctx, "late-arrivals", tick)
			if err != nil {
				t.Fatal(err)
			}
			if err := lock.Unlock(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if ran, err := s.RunNow(ctx, SweepJob); !ran || err != nil {
			t.Fatalf("RunNow(sweep) = %v, %v", ran, err)
		}
		var left []time.Time
		for _, r := range storedRuns(t, db, "late-arrivals") {
			left = append(left, r.Tick)
		}
		if want := ticks[2:]; !slices.EqualFunc(left, want, time.Time.Equal) {
			t.Fatalf("ticks left %v, want %v", left, want)
		}
		if sweeps := storedRuns(t, db, SweepJob); len(sweeps) != 1 || !sweeps[0].Tick.Equal(now) {
			t.Fatalf("sweep's own runs = %+v, want one at %s", sweeps, now)
		}
	})
}

// Shutdown cancels a running job's context and waits for it to return.
func TestShutdownWaitsForRunningJob(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := waitCtx(t)
		start := at(t, 10, 0, 30, 0)
		attempts := make(chan attempt, 100)
		n := newNode(t, db, "a", start, 0, 0, attempts)
		started := make(chan struct{})
		var returned atomic.Bool
		err := n.s.Every("slow", time.Minute, func(jobCtx context.Context) error {
			close(started)
			<-jobCtx.Done()
			returned.Store(true)
			return jobCtx.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		n.s.Start()
		n.settle(ctx, t, "slow")
		n.fake.Advance(30 * time.Second)
		receive(ctx, t, started, "job start")
		if err := n.s.Shutdown(); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if !returned.Load() {
			t.Fatal("Shutdown returned before the running job did")
		}
		a := receive(ctx, t, attempts, "unlock")
		stored := storedRuns(t, db, "slow")
		if !a.ran || len(stored) != 1 || stored[0].FinishedAt == nil {
			t.Fatalf("attempt %+v, job_runs %+v; want one finished run", a, stored)
		}
	})
}

// The run hook hears every run's end with its error, a panic as an error;
// Jobs lists the names.
func TestRunHook(t *testing.T) {
	db := databasetest.SQLite(t)
	fake := clockwork.NewFakeClockAt(at(t, 10, 2, 30, 0))
	var heard []string
	s, err := NewScheduler(db, fake, warsaw, slog.New(slog.DiscardHandler), WithInstance("a"), WithGocronClock(fake),
		WithRunHook(func(job string, err error) { heard = append(heard, fmt.Sprintf("%s:%v", job, err != nil)) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown() })
	jobs := map[string]func(context.Context) error{
		"ok":     func(context.Context) error { return nil },
		"fails":  func(context.Context) error { return errors.New("broken") },
		"panics": func(context.Context) error { panic("boom") },
	}
	for name, fn := range jobs {
		if err := s.Every(name, time.Minute, fn); err != nil {
			t.Fatal(err)
		}
	}
	if got := fmt.Sprint(s.Jobs()); got != "[fails job-runs-sweep ok panics]" {
		t.Errorf("Jobs() = %s", got)
	}
	for _, name := range []string{"ok", "fails", "panics"} {
		if ran, _ := s.RunNow(context.Background(), name); !ran {
			t.Fatalf("%s did not run", name)
		}
	}
	if got := strings.Join(heard, " "); got != "ok:false fails:true panics:true" {
		t.Errorf("heard %s", got)
	}
}
