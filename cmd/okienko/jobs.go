package main

import (
	"context"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/jobs"
	"github.com/okienko/okienko/kiosk"
	"github.com/okienko/okienko/notify"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/pickup"
	"github.com/okienko/okienko/queue"
	"github.com/okienko/okienko/ratelimit"
)

// Names of the server's scheduled jobs; each runs once per tick across all
// instances.
const (
	jobLateArrivals = "late-arrivals"
	jobExpire       = "expire-tickets"
	jobErase        = "erase-personal-data"
	jobPrintRetry   = "print-retry"
	jobSweep        = "sweep"
	jobReminders    = "queue-reminders"
	jobPrinterWatch = "printer-watch"
	jobExpireHolds  = "expire-pending-bookings"
	jobWaitlist     = "waitlist-offers"
)

// Printer watch: directly attached printers are asked for their status
// every printerWatchEvery while the office is open, and from printerWatchLead
// before it opens, so paper that ran out overnight is found before the first
// visitor.
const (
	printerWatchEvery = 30 * time.Second
	printerWatchLead  = 15 * time.Minute
)

// workers are what the scheduled jobs work on.
type workers struct {
	bookings  *booking.Store
	queue     *queue.Store
	kiosks    *kiosk.Store
	pickups   *pickup.Store // nil: no pickups to erase
	offices   *office.Store
	users     *auth.Store
	counters  *ratelimit.Counter
	retention time.Duration
	log       *slog.Logger
	// db, clock and loc (the office's zone) for queueing reminders at
	// reminderHour, office time, the day before each visit.
	db           *gorm.DB
	clock        okienko.Clock
	loc          *time.Location
	reminderHour int
}

// schedule registers the server's jobs on s.
func (w *workers) schedule(s *jobs.Scheduler) error {
	every := []struct {
		name     string
		interval time.Duration
		fn       func(context.Context) error
	}{
		{jobLateArrivals, time.Minute, w.lateArrivals},
		{jobExpire, 5 * time.Minute, w.expireTickets},
		{jobSweep, 15 * time.Minute, w.sweep},
		{jobPrintRetry, time.Minute, w.retryPrints},
		{jobPrinterWatch, printerWatchEvery, w.watchPrinters},
		{jobExpireHolds, time.Minute, w.expireHolds},
		{jobWaitlist, time.Minute, w.offerWaitlist},
	}
	for _, j := range every {
		if err := s.Every(j.name, j.interval, j.fn); err != nil {
			return err
		}
	}
	if w.db != nil {
		if err := s.Daily(jobReminders, w.reminderHour, 0, w.queueReminders); err != nil {
			return err
		}
	}
	return s.Daily(jobErase, 3, 15, w.erase)
}

// queueReminders queues tomorrow's reminders.
func (w *workers) queueReminders(ctx context.Context) error {
	n, err := notify.QueueReminders(ctx, w.db, w.clock, w.loc)
	if n > 0 {
		w.log.Info("reminders queued", "bookings", n)
	}
	return err
}

// lateArrivals cancels bookings not checked in by start + grace.
func (w *workers) lateArrivals(ctx context.Context) error {
	n, err := w.bookings.CancelLate(ctx)
	if n > 0 {
		w.log.Info("late arrivals cancelled", "bookings", n)
	}
	return err
}

// expireHolds marks expired the pending bookings not confirmed in time
// (booking.Store.ExpirePending). Their seats are free from the deadline on
// whether or not this has run; it records the change once.
func (w *workers) expireHolds(ctx context.Context) error {
	n, err := w.bookings.ExpirePending(ctx)
	if n > 0 {
		w.log.Info("unconfirmed bookings expired", "bookings", n)
	}
	return err
}

// offerWaitlist offers the free seats of the days residents wait for
// (booking.Store.OfferFree): the scan behind the offers made where seats
// free, catching a capacity raised, a slot length changed or a move's
// freed seat not offered at once. Run once per tick across instances (the
// scheduler's database locker); each offer takes the seat path's locks.
func (w *workers) offerWaitlist(ctx context.Context) error {
	n, err := w.bookings.OfferFree(ctx)
	if n > 0 {
		w.log.Info("waitlist offers made by the scan", "offers", n)
	}
	return err
}

// expireTickets closes tickets still waiting after their department closed.
func (w *workers) expireTickets(ctx context.Context) error {
	n, err := w.queue.ExpireClosed(ctx)
	if n > 0 {
		w.log.Info("tickets expired at closing", "tickets", n)
	}
	return err
}

// retryPrints is the print-retry job (kiosk.Store.RetryFailed): jobs left
// sent by a stopped server or agent become unknown; jobs that never reached
// their printer are sent again while younger than their kiosk's
// max_job_age_minutes, and expire after; nothing whose bytes went out is
// printed again by itself.
func (w *workers) retryPrints(ctx context.Context) error {
	if w.kiosks == nil {
		return nil
	}
	r, err := w.kiosks.RetryFailed(ctx)
	if r.Retried > 0 || r.Expired > 0 || r.Abandoned > 0 {
		w.log.Info("print jobs", "retried", r.Retried, "expired", r.Expired, "left_sent_now_unknown", r.Abandoned)
	}
	return err
}

// watchPrinters is the printer watch: while the office is open, or opens
// within printerWatchLead, it asks every directly attached printer for its
// status (kiosk.Store.CheckPrinters); outside those hours it asks none.
func (w *workers) watchPrinters(ctx context.Context) error {
	if w.kiosks == nil || w.offices == nil {
		return nil
	}
	open, err := w.offices.OpenWithin(ctx, w.clock.Now(), printerWatchLead)
	if err != nil || !open {
		return err
	}
	r, err := w.kiosks.CheckPrinters(ctx)
	for _, c := range r.Changes {
		level := slog.LevelInfo
		if kiosk.Alert(c.State) {
			level = slog.LevelWarn
		}
		w.log.Log(ctx, level, "kiosk printer state changed", "kiosk", c.Kiosk, "kiosk_id", c.KioskID, "state", c.State, "previous", c.Previous)
	}
	return err
}

// erase removes personal data of visits older than the retention, the
// phone numbers left at the kiosk once their day is over, and the addresses
// of pickups closed longer than the retention.
func (w *workers) erase(ctx context.Context) error {
	n, err := w.bookings.Erase(ctx, w.retention)
	if n > 0 {
		w.log.Info("personal data erased", "bookings", n, "retention_days", int(w.retention.Hours()/24))
	}
	if err != nil {
		return err
	}
	n, err = w.bookings.EraseWaitlist(ctx, w.retention)
	if n > 0 {
		w.log.Info("personal data erased", "waitlist", n, "retention_days", int(w.retention.Hours()/24))
	}
	if err != nil {
		return err
	}
	phones, err := w.queue.ForgetPhones(ctx)
	if phones > 0 {
		w.log.Info("phone numbers of past tickets erased", "tickets", phones)
	}
	if err != nil || w.pickups == nil {
		return err
	}
	n, err = w.pickups.Erase(ctx, w.retention)
	if n > 0 {
		w.log.Info("personal data erased", "pickups", n, "retention_days", int(w.retention.Hours()/24))
	}
	return err
}

// sweep deletes expired sessions and rate counters (the rate limits' too,
// on PostgreSQL; on SQLite they are in memory and sweep themselves).
func (w *workers) sweep(ctx context.Context) error {
	if _, err := w.users.SweepSessions(ctx); err != nil {
		return err
	}
	_, err := w.counters.Sweep(ctx)
	return err
}
