// Package jobs runs scheduled background jobs. Every named job runs at most
// once per tick across all instances that share one database: the instance
// that first records (job, tick) in job_runs runs it, the others skip it.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"
	"gorm.io/gorm"

	"github.com/okienko/okienko"
)

// SweepJob is the name of the built-in job that deletes old job_runs rows.
const SweepJob = "job-runs-sweep"

// Retention is how long job_runs rows are kept.
const Retention = 7 * 24 * time.Hour

// stopTimeout bounds how long Shutdown waits for running jobs.
const stopTimeout = time.Minute

// Scheduler runs named jobs on wall-clock ticks, at most once per tick across
// the instances sharing its database.
type Scheduler struct {
	clock  okienko.Clock
	loc    *time.Location
	log    *slog.Logger
	db     *gorm.DB
	gs     gocron.Scheduler
	locker *locker
	ran    func(job string, err error) // WithRunHook's

	mu   sync.Mutex
	jobs map[string]*job

	shutdownOnce sync.Once
	shutdownErr  error
}

type job struct {
	name   string
	period time.Duration // tick length: the interval, or a minute for daily jobs
	fn     func(ctx context.Context) error
	gj     gocron.Job
}

type options struct {
	instance string
	clock    clockwork.Clock
	observe  func(job string, tick time.Time, ran bool)
	ran      func(job string, err error)
}

// Option configures a Scheduler.
type Option func(*options)

// WithInstance names this process in job_runs (default: hostname-pid).
func WithInstance(name string) Option { return func(o *options) { o.instance = name } }

// WithGocronClock makes c drive the scheduler's timers instead of the wall
// clock (tests pass a clockwork fake clock, usually also as the Scheduler's
// okienko.Clock, so ticks and timers agree).
func WithGocronClock(c clockwork.Clock) Option { return func(o *options) { o.clock = c } }

// WithRunHook makes fn hear of every run of a job on this instance when it
// ends: the job's name and its error (nil: it succeeded; a panic is an
// error). For counting: fn must be quick.
func WithRunHook(fn func(job string, err error)) Option { return func(o *options) { o.ran = fn } }

// withRunObserver lets tests see every lock attempt's outcome.
func withRunObserver(f func(job string, tick time.Time, ran bool)) Option {
	return func(o *options) { o.observe = f }
}

// NewScheduler returns a stopped scheduler whose locker uses db, whose ticks
// are read from clock and whose daily jobs run in loc (the office zone). It
// registers the daily SweepJob, which deletes job_runs rows older than
// Retention. Returns EINVALID when db, clock or loc is missing, and when
// clock is not the system clock but the timers are (no WithGocronClock).
func NewScheduler(db *gorm.DB, clock okienko.Clock, loc *time.Location, log *slog.Logger, opts ...Option) (*Scheduler, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	errs := okienko.FieldErrors{}
	if db == nil {
		errs.Add("db", "is required")
	}
	if clock == nil {
		errs.Add("clock", "is required")
	} else if _, system := clock.(okienko.SystemClock); !system && o.clock == nil {
		// The timers would run on the real clock while ticks are read from
		// clock: a test's clock on another day would claim ticks of that
		// day whenever a real minute passed.
		errs.Add("clock", "is not the system clock: give the timers a clock that agrees, with WithGocronClock")
	}
	if loc == nil {
		errs.Add("location", "is required")
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	if o.instance == "" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "okienko"
		}
		o.instance = host + "-" + strconv.Itoa(os.Getpid())
	}
	log = log.With("component", "jobs", "instance", o.instance)
	s := &Scheduler{
		clock: clock,
		loc:   loc,
		log:   log,
		db:    db,
		ran:   o.ran,
		jobs:  map[string]*job{},
		locker: &locker{
			db:       db,
			clock:    clock,
			loc:      loc,
			instance: o.instance,
			log:      log,
			periods:  map[string]time.Duration{},
			observe:  o.observe,
		},
	}
	gopts := []gocron.SchedulerOption{
		gocron.WithDistributedLocker(s.locker),
		gocron.WithLocation(loc),
		gocron.WithLogger(log),
		gocron.WithStopTimeout(stopTimeout),
	}
	if o.clock != nil {
		gopts = append(gopts, gocron.WithClock(o.clock))
	}
	gs, err := gocron.NewScheduler(gopts...)
	if err != nil {
		return nil, okienko.Internal(fmt.Errorf("jobs: new scheduler: %w", err))
	}
	s.gs = gs
	if err := s.Daily(SweepJob, 3, 30, s.sweep); err != nil {
		_ = gs.Shutdown()
		return nil, err
	}
	return s, nil
}

// Jobs returns the names of the registered jobs, sorted.
func (s *Scheduler) Jobs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.jobs))
	for name := range s.jobs {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Instance returns the name this process records in job_runs.
func (s *Scheduler) Instance() string { return s.locker.instance }

// cronFor returns the crontab firing at wall-clock multiples of interval
// and whether it has a seconds field, or an EINVALID error: the interval
// must be whole seconds from 10 dividing a minute, whole minutes dividing an
// hour, or whole hours dividing a day.
func cronFor(interval time.Duration) (string, bool, error) {
	bad := okienko.Invalid("interval", "must be whole seconds (at least 10) dividing a minute, whole minutes dividing an hour, or whole hours dividing a day")
	if interval < time.Minute {
		s := int(interval / time.Second)
		if interval%time.Second != 0 || s < 10 || 60%s != 0 {
			return "", false, bad
		}
		return fmt.Sprintf("*/%d * * * * *", s), true, nil
	}
	if interval%time.Minute != 0 {
		return "", false, bad
	}
	m := int(interval / time.Minute)
	switch {
	case m == 1:
		return "* * * * *", false, nil
	case m < 60 && 60%m == 0:
		return fmt.Sprintf("*/%d * * * *", m), false, nil
	case m == 60:
		return "0 * * * *", false, nil
	case m == 24*60:
		return "0 0 * * *", false, nil
	case m%60 == 0 && 24%(m/60) == 0:
		return fmt.Sprintf("0 */%d * * *", m/60), false, nil
	}
	return "", false, bad
}

// Every registers fn as job name, run every interval at wall-clock multiples
// of it in the office zone (5 minutes: :00, :05, …; 30 seconds: :00 and :30
// of every minute). interval must be whole seconds from 10 dividing a
// minute, whole minutes dividing an hour, or whole hours dividing a day. fn
// gets a context carrying okienko.SystemActor, cancelled when Shutdown
// begins; its errors and panics are logged and never stop the scheduler; a
// run still going when the next tick comes makes this instance skip that
// tick. Returns EINVALID for a bad name or interval, ECONFLICT when name is
// taken.
func (s *Scheduler) Every(name string, interval time.Duration, fn func(ctx context.Context) error) error {
	crontab, seconds, err := cronFor(interval)
	if err != nil {
		return err
	}
	return s.add(name, interval, gocron.CronJob(crontab, seconds), fn)
}

// Daily registers fn as job name, run every day at hour:minute office time
// (daylight saving time respected; a time skipped by the spring-forward runs
// right after it). fn is treated as in Every. Returns EINVALID for a bad
// name or time, ECONFLICT when name is taken.
func (s *Scheduler) Daily(name string, hour, minute int, fn func(ctx context.Context) error) error {
	errs := okienko.FieldErrors{}
	if hour < 0 || hour > 23 {
		errs.Add("hour", "must be 0 to 23")
	}
	if minute < 0 || minute > 59 {
		errs.Add("minute", "must be 0 to 59")
	}
	if err := errs.Err(); err != nil {
		return err
	}
	at := gocron.NewAtTimes(gocron.NewAtTime(uint(hour), uint(minute), 0))
	return s.add(name, time.Minute, gocron.DailyJob(1, at), fn)
}

func (s *Scheduler) add(name string, period time.Duration, def gocron.JobDefinition, fn func(ctx context.Context) error) error {
	if name == "" {
		return okienko.Invalid("name", "is required")
	}
	if fn == nil {
		return okienko.Invalid("fn", "is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.jobs[name]; ok {
		e := okienko.Errorf(okienko.ECONFLICT, "job %q is already registered", name)
		e.Fields = map[string]string{"name": "is already registered"}
		return e
	}
	j := &job{name: name, period: period, fn: fn}
	s.locker.register(name, period)
	// No gocron singleton mode: the locker refuses a tick while this instance
	// still runs the job (errStillRunning), which skips it the same way as
	// LimitModeReschedule but logs it, covers RunNow too, and frees the job
	// the moment its run is recorded finished (gocron's limiter is released
	// only some time after the lock, so a tick arriving just then was lost).
	gj, err := s.gs.NewJob(def,
		gocron.NewTask(func(ctx context.Context) error { return s.run(ctx, j) }),
		gocron.WithName(name),
	)
	if err != nil {
		s.locker.unregister(name)
		return okienko.Internal(fmt.Errorf("jobs: register %s: %w", name, err))
	}
	j.gj = gj
	s.jobs[name] = j
	return nil
}

// run calls j's function as the system actor, turning a panic into an error
// and logging failures.
func (s *Scheduler) run(ctx context.Context, j *job) (err error) {
	ctx = okienko.WithActor(ctx, okienko.SystemActor)
	start := s.clock.Now()
	if s.ran != nil {
		// Deferred first, so it runs last and hears a panic as an error.
		defer func() { s.ran(j.name, err) }()
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("jobs: %s panicked: %v", j.name, r)
			s.log.Error("job panicked", "job", j.name, "panic", r, "stack", string(debug.Stack()))
			return
		}
		if err != nil {
			s.log.Error("job failed", "job", j.name, "err", err, "duration", s.clock.Now().Sub(start))
			return
		}
		s.log.Debug("job finished", "job", j.name, "duration", s.clock.Now().Sub(start))
	}()
	return j.fn(ctx)
}

// Start starts running the registered jobs on their ticks.
func (s *Scheduler) Start() { s.gs.Start() }

// Shutdown stops scheduling, cancels the contexts of running jobs and waits
// (up to a minute) for them to return. Later calls return the first call's
// result. Returns EINTERNAL when the jobs did not return in time.
func (s *Scheduler) Shutdown() error {
	// Once: gocron's own Shutdown, called again right after it returned, can
	// wait for a stop signal that never comes.
	s.shutdownOnce.Do(func() {
		if err := s.gs.Shutdown(); err != nil {
			s.shutdownErr = okienko.Internal(fmt.Errorf("jobs: shutdown: %w", err))
		}
	})
	return s.shutdownErr
}

// RunNow runs job name once, now, in the caller's goroutine, through the same
// lock as scheduled runs: it claims the current tick, so it reports false
// (and runs nothing) when that tick's run already happened or is happening
// anywhere, or when this instance is still running the job; a scheduled run
// of the same tick is skipped after it. It
// returns true when this instance ran the job, together with the job's error.
// Returns ENOTFOUND for an unknown name, EINTERNAL when the lock fails.
func (s *Scheduler) RunNow(ctx context.Context, name string) (bool, error) {
	s.mu.Lock()
	j, ok := s.jobs[name]
	s.mu.Unlock()
	if !ok {
		return false, okienko.Errorf(okienko.ENOTFOUND, "no job %q", name)
	}
	lock, err := s.locker.lockTick(ctx, name, tickAt(s.clock.Now(), j.period, s.loc))
	if errors.Is(err, errTickTaken) || errors.Is(err, errStillRunning) {
		return false, nil
	}
	if err != nil {
		return false, okienko.Internal(err)
	}
	defer func() { _ = lock.Unlock(ctx) }()
	return true, s.run(ctx, j)
}

// NextRun returns when job name is next due on this instance (zero before
// Start). Returns ENOTFOUND for an unknown name.
func (s *Scheduler) NextRun(name string) (time.Time, error) {
	s.mu.Lock()
	j, ok := s.jobs[name]
	s.mu.Unlock()
	if !ok {
		return time.Time{}, okienko.Errorf(okienko.ENOTFOUND, "no job %q", name)
	}
	t, err := j.gj.NextRun()
	if err != nil {
		return time.Time{}, okienko.Internal(err)
	}
	return t, nil
}

// sweep deletes job_runs rows whose tick is older than Retention.
func (s *Scheduler) sweep(ctx context.Context) error {
	cutoff := s.clock.Now().UTC().Add(-Retention).Truncate(time.Minute)
	res := s.db.WithContext(ctx).Where("tick < ?", cutoff).Delete(&jobRun{})
	if res.Error != nil {
		return fmt.Errorf("jobs: sweep job_runs: %w", res.Error)
	}
	s.log.Info("job runs swept", "deleted", res.RowsAffected, "before", cutoff)
	return nil
}
