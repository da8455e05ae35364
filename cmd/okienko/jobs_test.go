package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/event"
	"github.com/okienko/okienko/jobs"
	"github.com/okienko/okienko/kiosk"
	"github.com/okienko/okienko/kiosk/escpos"
	"github.com/okienko/okienko/kiosk/printer/printertest"
	"github.com/okienko/okienko/notify"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/officetest"
	"github.com/okienko/okienko/queue"
	"github.com/okienko/okienko/ratelimit"
)

// twoInstances returns the schedulers of two server instances on db, each
// with the server's jobs over bookings, shut down when t ends.
func twoInstances(t *testing.T, db *gorm.DB, clock *okienko.ManualClock, offices *office.Store, bookings *booking.Store) []*jobs.Scheduler {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var scheds []*jobs.Scheduler
	for _, name := range []string{"instance-a", "instance-b"} {
		s, err := jobs.NewScheduler(db, clock, officetest.Warsaw, log, jobs.WithInstance(name), jobs.WithGocronClock(clockwork.NewFakeClockAt(clock.Now())))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Shutdown() })
		w := &workers{bookings: bookings, queue: queue.NewStore(db, clock, offices, bookings), users: auth.NewStore(db, clock, ratelimit.New(db, clock)),
			counters: ratelimit.New(db, clock), retention: 30 * 24 * time.Hour, log: log}
		if err := w.schedule(s); err != nil {
			t.Fatal(err)
		}
		scheds = append(scheds, s)
	}
	return scheds
}

// runOnEach asks every scheduler to run job now and returns how many did.
func runOnEach(t *testing.T, scheds []*jobs.Scheduler, job string) int {
	t.Helper()
	ran := 0
	for _, s := range scheds {
		ok, err := s.RunNow(context.Background(), job)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			ran++
		}
	}
	return ran
}

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
		scheds := twoInstances(t, db, clock, offices, bookings)
		// Each tick, both instances try; exactly one runs.
		for tick, now := range []time.Time{start.Add(9 * time.Minute), start.Add(10 * time.Minute), start.Add(11 * time.Minute)} {
			clock.Set(now)
			if ran := runOnEach(t, scheds, jobLateArrivals); ran != 1 {
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

// The printer watch, run on 30-second ticks of the injected clock: before
// the office opens (less than 15 minutes before) it asks no printer; from
// then on it asks every directly attached printer once per tick, across
// instances. Paper that runs out between two ticks is recorded as paper_out
// at the next: one published event and exactly one e-mail to the office,
// however many ticks find it out; the refill is recorded as ok (an event for
// the clerk page, no e-mail). After closing no printer is asked.
func TestPrinterWatchJob(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		week := officetest.Anchor(t)
		clock := okienko.NewManualClock(week.At(0, 7, 30)) // Monday; the office opens at 08:00
		offices, _, _ := officetest.New(t, db, clock, nil)
		off, err := offices.UpdateSettings(ctx, func(s *office.Settings) error { s.AlertsEmail = "sekretariat@urzad.example.pl"; return nil })
		if err != nil {
			t.Fatal(err)
		}
		kiosks := kiosk.NewStore(db, clock)
		var mu sync.Mutex
		var published []event.Event
		kiosks.OnCommit(func(evs []event.Event) {
			mu.Lock()
			published = append(published, evs...)
			mu.Unlock()
		})
		changes := func() []string {
			mu.Lock()
			defer mu.Unlock()
			var out []string
			for _, e := range published {
				var c kiosk.PrinterChange
				_ = json.Unmarshal([]byte(e.Data), &c)
				out = append(out, c.State)
			}
			return out
		}
		fake := printertest.Start(t)
		spec := kiosk.DefaultSpec()
		spec.Name, spec.Printer.URI = "Biletomat parter", fake.URI()
		k, err := kiosks.Create(ctx, off.ID, spec)
		if err != nil {
			t.Fatal(err)
		}
		for _, uri := range []string{"none", "agent"} {
			spec.Name, spec.Printer.URI = "Biletomat "+uri, uri
			if _, err := kiosks.Create(ctx, off.ID, spec); err != nil {
				t.Fatal(err)
			}
		}

		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		var scheds []*jobs.Scheduler
		for _, name := range []string{"instance-a", "instance-b"} {
			s, err := jobs.NewScheduler(db, clock, officetest.Warsaw, log, jobs.WithInstance(name), jobs.WithGocronClock(clockwork.NewFakeClockAt(clock.Now())))
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = s.Shutdown() }()
			w := &workers{kiosks: kiosks, offices: offices, clock: clock, log: log}
			if err := w.schedule(s); err != nil {
				t.Fatal(err)
			}
			scheds = append(scheds, s)
		}
		// tick sets the clock and lets both instances try the job; one runs it.
		tick := func(at time.Time) {
			t.Helper()
			clock.Set(at)
			ran := 0
			for _, s := range scheds {
				ok, err := s.RunNow(ctx, jobPrinterWatch)
				if err != nil {
					t.Fatalf("%s: %v", at.In(officetest.Warsaw).Format("15:04:05"), err)
				}
				if ok {
					ran++
				}
			}
			if ran != 1 {
				t.Fatalf("%s: the watch ran %d times, want once", at.In(officetest.Warsaw).Format("15:04:05"), ran)
			}
		}
		state := func() *kiosk.Kiosk {
			t.Helper()
			got, err := kiosks.Get(ctx, k.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		var mails []outbox.Message
		queued := func() int {
			t.Helper()
			if err := db.Where("kind = ?", outbox.PrinterAlert).Order("id").Find(&mails).Error; err != nil {
				t.Fatal(err)
			}
			return len(mails)
		}

		tick(week.At(0, 7, 30))
		tick(week.At(0, 7, 44).Add(30 * time.Second))
		if n := fake.Connections(); n != 0 || state().PrinterState != "unknown" {
			t.Fatalf("before 07:45: %d connections, state %s; want none asked", n, state().PrinterState)
		}
		tick(week.At(0, 7, 45))
		if n, st := fake.Connections(), state(); n != 1 || st.PrinterState != "ok" || !st.PrinterCheckedAt.Equal(week.At(0, 7, 45).UTC()) {
			t.Fatalf("at 07:45: %d connections, %+v", n, st)
		}
		fake.SetPaperOut(true) // between two ticks
		out := week.At(0, 7, 45).Add(30 * time.Second)
		tick(out)
		if st := state(); st.PrinterState != "paper_out" {
			t.Fatalf("after the paper ran out: %s", st.PrinterState)
		}
		for i := 1; i <= 4; i++ {
			tick(out.Add(time.Duration(i) * 30 * time.Second))
		}
		if n := queued(); n != 1 {
			t.Fatalf("%d e-mails queued after five ticks with the paper out, want 1", n)
		}
		if st := state(); st.PrinterState != "paper_out" || !st.PrinterCheckedAt.Equal(out.Add(2*time.Minute).UTC()) {
			t.Fatalf("the last check: %+v", st)
		}
		fake.Refill()
		tick(out.Add(150 * time.Second))
		if st := state(); st.PrinterState != "ok" {
			t.Fatalf("after the refill: %s", st.PrinterState)
		}
		if got := changes(); len(got) != 3 || got[0] != "ok" || got[1] != "paper_out" || got[2] != "ok" {
			t.Fatalf("published changes %v; want ok, paper_out, ok", got)
		}
		if n := queued(); n != 1 {
			t.Fatalf("%d e-mails after the refill, want still 1", n)
		}
		if asked := fake.Connections(); asked != 7 {
			t.Fatalf("%d connections from 07:45 to 07:48, want 7 (one per tick)", asked)
		}

		// The e-mail, composed as the outbox worker sends it: to the
		// office's address, in Polish, naming the kiosk, the problem and its
		// time, and saying the printer is ready now.
		msgs := &notify.Messages{DB: db, Clock: clock, Offices: offices, BaseURL: "https://okienko.example.pl"}
		m, err := msgs.Compose(ctx, &mails[0])
		if err != nil {
			t.Fatal(err)
		}
		if m.To != "sekretariat@urzad.example.pl" || m.Subject != "Biletomat „Biletomat parter”: brak papieru" {
			t.Fatalf("e-mail to %q, subject %q", m.To, m.Subject)
		}
		for _, want := range []string{"zgłosiła problem: brak papieru", "godz. 07:45", "Stan teraz: gotowa", "https://okienko.example.pl/admin#biletomaty"} {
			if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
				t.Errorf("the e-mail lacks %q:\n%s", want, m.Text)
			}
		}

		// After closing no printer is asked.
		fake.SetPaperOut(true)
		tick(week.At(0, 16, 0))
		tick(week.At(0, 23, 0))
		if n, st := fake.Connections(), state(); n != 7 || st.PrinterState != "ok" {
			t.Fatalf("after closing: %d connections, %s", n, st.PrinterState)
		}
	})
}
