package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/okienko/okienko"
)

// tickTolerance is added to the clock before a tick is computed, so a timer
// that fires a hair before the wall-clock boundary (the wall clock was slewed
// while the timer slept on the monotonic clock) still claims the boundary's
// tick rather than the previous one.
const tickTolerance = 2 * time.Second

// errTickTaken is returned by Lock when another instance (or an earlier run of
// this one) already holds the job's current tick: gocron then skips the run.
var errTickTaken = errors.New("jobs: tick already taken")

// errStillRunning is returned by Lock when this instance is still running
// the job's previous run: the tick is skipped here rather than overlapping.
var errStillRunning = errors.New("jobs: previous run still going")

// jobRun is one row of job_runs: the instance that inserted it runs the job
// for that tick.
type jobRun struct {
	Job        string    `gorm:"primaryKey"`
	Tick       time.Time `gorm:"primaryKey"`
	Instance   string
	StartedAt  time.Time
	FinishedAt *time.Time
}

func (jobRun) TableName() string { return "job_runs" }

// locker is the gocron.Locker shared through the database: a job's run for a
// tick is claimed by inserting (job, tick) into job_runs; the primary key lets
// exactly one instance win.
type locker struct {
	db       *gorm.DB
	clock    okienko.Clock
	loc      *time.Location
	instance string
	log      *slog.Logger

	mu      sync.RWMutex
	periods map[string]time.Duration // job name → tick length
	running map[string]bool          // jobs this instance is running now

	// observe, when set (tests), is told the outcome of every attempt: after a
	// refused Lock (ran false) and after Unlock (ran true).
	observe func(job string, tick time.Time, ran bool)
}

var _ gocron.Locker = (*locker)(nil)

func (l *locker) register(job string, period time.Duration) {
	l.mu.Lock()
	l.periods[job] = period
	l.mu.Unlock()
}

func (l *locker) unregister(job string) {
	l.mu.Lock()
	delete(l.periods, job)
	l.mu.Unlock()
}

// begin marks job as running on this instance; false if it already is.
func (l *locker) begin(job string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.running[job] {
		return false
	}
	if l.running == nil {
		l.running = map[string]bool{}
	}
	l.running[job] = true
	return true
}

func (l *locker) end(job string) {
	l.mu.Lock()
	delete(l.running, job)
	l.mu.Unlock()
}

func (l *locker) period(job string) (time.Duration, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	p, ok := l.periods[job]
	return p, ok
}

// tickAt returns the tick that now belongs to for a job of the given period:
// the latest wall-clock multiple of period in the office zone at or before
// now (plus tickTolerance), in UTC. Every instance firing for the same
// scheduled moment computes the same tick, whatever its clock skew, because
// each fires by its own clock.
func tickAt(now time.Time, period time.Duration, loc *time.Location) time.Time {
	t := now.Add(tickTolerance).In(loc)
	step := int(period / time.Second)
	if step < 1 {
		step = 1
	}
	sinceBoundary := time.Duration((t.Hour()*3600+t.Minute()*60+t.Second())%step)*time.Second + time.Duration(t.Nanosecond())
	return t.Add(-sinceBoundary).UTC().Truncate(time.Microsecond)
}

// Lock claims the current tick of the job named key for this instance. It
// returns errTickTaken when the tick is already claimed, errStillRunning when
// this instance is still running the job's previous run, and any database
// error as is; in all these cases gocron skips this run here.
func (l *locker) Lock(ctx context.Context, key string) (gocron.Lock, error) {
	period, ok := l.period(key)
	if !ok {
		return nil, fmt.Errorf("jobs: lock: unknown job %q", key)
	}
	return l.lockTick(ctx, key, tickAt(l.clock.Now(), period, l.loc))
}

// lockTick claims (job, tick) for this instance: errTickTaken when the row
// exists already, errStillRunning when the job is running here.
func (l *locker) lockTick(ctx context.Context, job string, tick time.Time) (*runLock, error) {
	if !l.begin(job) {
		l.log.Warn("job tick skipped: its previous run is still going", "job", job, "tick", tick)
		l.observed(job, tick, false)
		return nil, errStillRunning
	}
	run := jobRun{
		Job:       job,
		Tick:      tick.UTC().Truncate(time.Microsecond),
		Instance:  l.instance,
		StartedAt: l.clock.Now().UTC().Truncate(time.Microsecond),
	}
	res := l.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&run)
	if res.Error != nil {
		l.end(job)
		l.log.Error("job lock failed", "job", job, "tick", run.Tick, "err", res.Error)
		l.observed(job, run.Tick, false)
		return nil, fmt.Errorf("jobs: lock %s at %s: %w", job, run.Tick.Format(time.RFC3339), res.Error)
	}
	if res.RowsAffected == 0 {
		l.end(job)
		l.log.Debug("job skipped: tick taken by another run", "job", job, "tick", run.Tick)
		l.observed(job, run.Tick, false)
		return nil, errTickTaken
	}
	return &runLock{l: l, job: job, tick: run.Tick}, nil
}

func (l *locker) observed(job string, tick time.Time, ran bool) {
	if l.observe != nil {
		l.observe(job, tick, ran)
	}
}

// runLock is a claimed tick.
type runLock struct {
	l    *locker
	job  string
	tick time.Time
}

// Unlock records when the run finished and lets the job run here again. It
// works also after ctx was cancelled (shutdown), so a finished run is never
// left looking unfinished.
func (r *runLock) Unlock(ctx context.Context) error {
	l := r.l
	defer l.observed(r.job, r.tick, true)
	defer l.end(r.job)
	err := l.db.WithContext(context.WithoutCancel(ctx)).Model(&jobRun{}).
		Where("job = ? AND tick = ? AND instance = ?", r.job, r.tick, l.instance).
		Update("finished_at", l.clock.Now().UTC().Truncate(time.Microsecond)).Error
	if err != nil {
		l.log.Error("job unlock failed", "job", r.job, "tick", r.tick, "err", err)
		return fmt.Errorf("jobs: unlock %s: %w", r.job, err)
	}
	return nil
}
