package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/jobs"
	"github.com/okienko/okienko/kiosk"
	"github.com/okienko/okienko/kiosk/escpos"
	"github.com/okienko/okienko/kiosk/printer/printertest"
	"github.com/okienko/okienko/office/officetest"
	"github.com/okienko/okienko/queue"
	"github.com/okienko/okienko/ratelimit"
)

// Two instances on one database, each with the server's scheduler, run the
// late-arrival job once per tick; with the injected clock past start+grace,
// the booking is cancelled_late and its seat is free again.
func TestLateArrivalJobOncePerTick(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		warsaw := officetest.Warsaw
		week := officetest.Anchor(t)
		clock := okienko.NewManualClock(week.At(0, 8, 0))
		offices, _, svc := officetest.New(t, db, clock, nil)
		bookings := booking.NewStore(db, clock, offices, "secret")
		start := week.At(1, 10, 0)
		b, err := bookings.Book(ctx, booking.Request{ServiceID: svc.ID, Start: start, Name: "Anna Nowak", PESEL: "44051401359", Email: "anna@example.pl", Consent: true})
		if err != nil {
			t.Fatal(err)
		}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		var scheds []*jobs.Scheduler
		for _, name := range []string{"instance-a", "instance-b"} {
			s, err := jobs.NewScheduler(db, clock, warsaw, log, jobs.WithInstance(name), jobs.WithGocronClock(clockwork.NewFakeClockAt(clock.Now())))
			if err != nil {
				t.Fatal(err)
			}
			w := &workers{bookings: bookings, queue: queue.NewStore(db, clock, offices, bookings), users: auth.NewStore(db, clock, ratelimit.New(db, clock)),
				counters: ratelimit.New(db, clock), storage: ratelimit.NewStorage(db, clock, "limit:"), retention: 30 * 24 * time.Hour, log: log}
			if err := w.schedule(s); err != nil {
				t.Fatal(err)
			}
			scheds = append(scheds, s)
		}
		defer func() {
			for _, s := range scheds {
				_ = s.Shutdown()
			}
		}()
		// Each tick, both instances try; exactly one runs.
		for tick, now := range []time.Time{start.Add(9 * time.Minute), start.Add(10 * time.Minute), start.Add(11 * time.Minute)} {
			clock.Set(now)
			ran := 0
			for _, s := range scheds {
				ok, err := s.RunNow(ctx, jobLateArrivals)
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					ran++
				}
			}
			if ran != 1 {
				t.Fatalf("tick %d: the job ran %d times, want once", tick, ran)
			}
			got, _ := bookings.Get(ctx, b.Code)
			want := booking.StatusBooked
			if !now.Before(start.Add(10 * time.Minute)) {
				want = booking.StatusCancelledLate
			}
			if got.Status != want {
				t.Fatalf("at %v the booking is %s, want %s", now.In(warsaw).Format("15:04"), got.Status, want)
			}
		}
		var runs int64
		db.Table("job_runs").Where("job = ?", jobLateArrivals).Count(&runs)
		if runs != 3 {
			t.Fatalf("%d recorded runs, want one per tick (3)", runs)
		}
		// The seat is free again: another resident can't book a past slot, so
		// check the count of live bookings holding it.
		var live int64
		db.Table("bookings").Where("service_id = ? AND starts_at = ? AND status IN ?", svc.ID, start.UTC(), []string{"booked", "checked_in"}).Count(&live)
		if live != 0 {
			t.Fatalf("%d live bookings still hold the seat", live)
		}
	})
}

// The server's print-retry job, run on three ticks a minute apart: a ticket
// the printer took without confirming is never sent again; one that never
// reached it is sent once the printer answers.
func TestPrintRetryJob(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		week := officetest.Anchor(t)
		clock := okienko.NewManualClock(week.At(0, 10, 0))
		offices, _, _ := officetest.New(t, db, clock, nil)
		off, err := offices.Office(ctx)
		if err != nil {
			t.Fatal(err)
		}
		old := kiosk.PrintTimeout
		kiosk.PrintTimeout = 200 * time.Millisecond
		defer func() { kiosk.PrintTimeout = old }()
		kiosks := kiosk.NewStore(db, clock)
		fake := printertest.Start(t)
		fake.SetSilentAfterJob(true)
		spec := kiosk.DefaultSpec()
		spec.Name, spec.Printer.URI = "Biletomat", fake.URI()
		k, err := kiosks.Create(ctx, off.ID, spec)
		if err != nil {
			t.Fatal(err)
		}
		render := func(number string) []byte {
			b, err := kiosk.Render(k, escpos.Ticket{Number: number, Issued: clock.Now(), Lang: "pl"})
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		if r, err := kiosks.PrintTicket(ctx, k.ID, 0, "", render("A001")); err != nil || r.State != kiosk.Uncertain {
			t.Fatalf("silent after the job: %+v %v", r, err)
		}
		fake.SetSilent(true) // hung: answers nothing, prints nothing
		if r, err := kiosks.PrintTicket(ctx, k.ID, 0, "", render("A002")); err != nil || r.State != kiosk.Failed || r.Reason != "unreachable" {
			t.Fatalf("silent printer: %+v %v", r, err)
		}
		fake.SetSilent(false)

		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		s, err := jobs.NewScheduler(db, clock, officetest.Warsaw, log, jobs.WithGocronClock(clockwork.NewFakeClockAt(clock.Now())))
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = s.Shutdown() }()
		w := &workers{kiosks: kiosks, log: log}
		if err := w.schedule(s); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			clock.Advance(time.Minute)
			if ran, err := s.RunNow(ctx, jobPrintRetry); !ran || err != nil {
				t.Fatalf("the job: ran %v, %v", ran, err)
			}
		}
		text := escpos.Decode(fake.Received(), k.Printer.CodeTable)
		if a, b := strings.Count(text, "A001"), strings.Count(text, "A002"); a != 1 || b != 1 || fake.Printed() != 2 {
			t.Fatalf("A001 reached the printer %d times, A002 %d, printed %d; want each once", a, b, fake.Printed())
		}
	})
}
