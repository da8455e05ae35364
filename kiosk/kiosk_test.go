package kiosk_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"
	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/kiosk"
	"github.com/okienko/okienko/kiosk/escpos"
	"github.com/okienko/okienko/kiosk/printer/printertest"
	"github.com/okienko/okienko/migrations"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/officetest"
)

// start is the stores' clock: 10:00 on the Monday of the test week.
func start(t *testing.T) time.Time { return officetest.Anchor(t).At(0, 10, 0) }

func setup(t *testing.T, db *gorm.DB) (*kiosk.Store, int64) {
	t.Helper()
	clock := okienko.NewManualClock(start(t))
	offices := office.NewStore(db, clock)
	off := &office.Office{Name: "Urząd", TimeZone: "Europe/Warsaw"}
	if err := offices.CreateOffice(context.Background(), off); err != nil {
		t.Fatal(err)
	}
	return kiosk.NewStore(db, clock), off.ID
}

func ticketBytes(t *testing.T, k *kiosk.Kiosk) []byte {
	t.Helper()
	b, err := kiosk.Render(k, escpos.Ticket{Office: "Urząd Miasta", Department: "Dowody osobiste", Service: "Wniosek",
		Number: "D017", Issued: officetest.Anchor(t).At(0, 11, 0), PeopleAhead: 2, WaitMinutes: 9,
		StatusURL: "http://okienko.test/t/abc", Lang: "pl"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A paper end fails the job with that reason and marks the kiosk's printer;
// a reprint after the refill prints exactly once.
func TestPrintPaperOutThenReprint(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, officeID := setup(t, db)
		ctx := context.Background()
		fake := printertest.Start(t)
		spec := kiosk.DefaultSpec()
		spec.Name, spec.Printer.URI = "Biletomat", fake.URI()
		k, err := s.Create(ctx, officeID, spec)
		if err != nil {
			t.Fatal(err)
		}
		if k.Token == "" || k.PrinterState != "unknown" {
			t.Fatalf("created %+v", k)
		}
		payload := ticketBytes(t, k)
		r, err := s.PrintTicket(ctx, k.ID, 0, "", payload)
		if err != nil || r.State != kiosk.Printed || fake.Printed() != 1 {
			t.Fatalf("first print: %+v %v, printed %d", r, err, fake.Printed())
		}
		// The kiosk's row changes at the store's clock, not the real time.
		if got, _ := s.Get(ctx, k.ID); got.PrinterState != "ok" || !got.UpdatedAt.Equal(start(t)) {
			t.Fatalf("printer state %s, updated at %v; want ok, at %v", got.PrinterState, got.UpdatedAt, start(t))
		}

		fake.SetPaperOut(true)
		r, err = s.PrintTicket(ctx, k.ID, 0, "", payload)
		if err != nil || r.State != kiosk.Failed || r.Reason != "paper_out" || fake.Printed() != 1 {
			t.Fatalf("paper out: %+v %v, printed %d", r, err, fake.Printed())
		}
		if got, _ := s.Get(ctx, k.ID); got.PrinterState != "paper_out" {
			t.Fatalf("printer state %s, want paper_out", got.PrinterState)
		}
		j, _ := s.Job(ctx, r.JobID)
		if j.State != kiosk.JobFailed || j.Reason != "paper_out" {
			t.Fatalf("job %+v", j)
		}
		fake.Refill()
		r, err = s.Reprint(ctx, j.ID, nil)
		if err != nil || r.State != kiosk.Printed || fake.Printed() != 2 {
			t.Fatalf("reprint: %+v %v, printed %d", r, err, fake.Printed())
		}
		if _, err := s.Reprint(ctx, 99999, nil); okienko.ErrorCode(err) != okienko.ENOTFOUND {
			t.Fatalf("reprint of nothing: %v", err)
		}
	})
}

// A printer that never answers: the deadline fires and the request returns.
func TestSilentPrinterNeverHangs(t *testing.T) {
	db := databasetest.SQLite(t)
	s, officeID := setup(t, db)
	ctx := context.Background()
	fake := printertest.Start(t)
	fake.SetSilent(true)
	old := kiosk.PrintTimeout
	kiosk.PrintTimeout = 300 * time.Millisecond
	defer func() { kiosk.PrintTimeout = old }()
	spec := kiosk.DefaultSpec()
	spec.Name, spec.Printer.URI = "Biletomat", fake.URI()
	k, err := s.Create(ctx, officeID, spec)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan kiosk.Result, 1)
	go func() {
		r, _ := s.PrintTicket(ctx, k.ID, 0, "", ticketBytes(t, k))
		done <- r
	}()
	select {
	case r := <-done:
		if r.State != kiosk.Failed || r.Reason != "unreachable" {
			t.Fatalf("silent printer: %+v", r)
		}
	case <-time.After(30 * time.Second): // a bound proving no hang, not a speed test
		t.Fatal("printing to a silent printer hung")
	}
}

// Jobs for a kiosk's agent wait in the queue until it takes them.
func TestAgentJobs(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, officeID := setup(t, db)
		ctx := context.Background()
		spec := kiosk.DefaultSpec()
		spec.Name, spec.Printer.URI = "Biletomat", "agent"
		k, err := s.Create(ctx, officeID, spec)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AgentHeard(ctx, k.ID, "ok"); err != nil {
			t.Fatal(err)
		}
		r, err := s.PrintTicket(ctx, k.ID, 0, "", []byte("x"))
		if err != nil || r.State != kiosk.Queued {
			t.Fatalf("agent print: %+v %v", r, err)
		}
		select {
		case <-s.Waiting(k.ID):
		default:
			t.Fatal("the agent was not woken")
		}
		jobs, err := s.Take(ctx, k.ID)
		if err != nil || len(jobs) != 1 || jobs[0].ID != r.JobID {
			t.Fatalf("take: %v %v", jobs, err)
		}
		if again, _ := s.Take(ctx, k.ID); len(again) != 0 {
			t.Fatalf("a job taken twice")
		}
		if res, err := s.Finish(ctx, k.ID, r.JobID, ""); err != nil || res.State != kiosk.Printed {
			t.Fatalf("finish: %+v %v", res, err)
		}
		// Without a printer nothing is stored.
		none := kiosk.DefaultSpec()
		none.Name = "Ekran"
		k2, _ := s.Create(ctx, officeID, none)
		if r, _ := s.PrintTicket(ctx, k2.ID, 0, "", []byte("x")); r.State != kiosk.NoPrint {
			t.Fatalf("no printer: %+v", r)
		}
	})
}

// An agent kiosk's printer state is honest: offline until its agent is
// heard and once it has been silent for 90 s by the store's clock, else what
// the agent reported; none without a printer. A job is queued for the agent
// only while it is online and its printer can print, else it fails at once
// with the reason and is never taken by the agent; a reprint then answers
// failed and leaves the job as it was.
func TestAgentStates(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		clock := okienko.NewManualClock(start(t))
		offices := office.NewStore(db, clock)
		off := &office.Office{Name: "Urząd", TimeZone: "Europe/Warsaw"}
		ctx := context.Background()
		if err := offices.CreateOffice(ctx, off); err != nil {
			t.Fatal(err)
		}
		s := kiosk.NewStore(db, clock)
		none := kiosk.DefaultSpec()
		none.Name = "Ekran"
		screen, err := s.Create(ctx, off.ID, none)
		if err != nil {
			t.Fatal(err)
		}
		if screen.PrinterState != kiosk.StateNone || screen.AgentOnline {
			t.Fatalf("a kiosk without printer: %+v, want state none", screen)
		}
		spec := kiosk.DefaultSpec()
		spec.Name, spec.Printer.URI = "Biletomat", "agent"
		k, err := s.Create(ctx, off.ID, spec)
		if err != nil {
			t.Fatal(err)
		}
		state := func(want string, online bool) *kiosk.Kiosk {
			t.Helper()
			got, err := s.Get(ctx, k.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.PrinterState != want || got.AgentOnline != online {
				t.Fatalf("kiosk %+v, want printer_state %s, agent online %v", got, want, online)
			}
			return got
		}
		printOne := func(want, reason string) kiosk.Result {
			t.Helper()
			r, err := s.PrintTicket(ctx, k.ID, 0, "", []byte("x"))
			if err != nil || r.State != want || r.Reason != reason {
				t.Fatalf("print: %+v %v, want %s %q", r, err, want, reason)
			}
			j, err := s.Job(ctx, r.JobID)
			if err != nil {
				t.Fatal(err)
			}
			if want == kiosk.Failed && (j.State != kiosk.JobFailed || j.Reason != reason || j.Attempts != 0) {
				t.Fatalf("job %+v, want failed %s and never sent", j, reason)
			}
			return r
		}
		noneTaken := func() {
			t.Helper()
			if jobs, err := s.Take(ctx, k.ID); err != nil || len(jobs) != 0 {
				t.Fatalf("the agent took %v %v, want nothing", jobs, err)
			}
		}

		// Never heard: offline.
		got := state(kiosk.StateOffline, false)
		if got.AgentSeenAt != nil {
			t.Fatalf("agent_seen_at %v before any word", got.AgentSeenAt)
		}
		offline := printOne(kiosk.Failed, kiosk.ReasonAgentOffline)
		noneTaken()

		// Heard: the printer's state; jobs queued.
		if err := s.AgentHeard(ctx, k.ID, "ok"); err != nil {
			t.Fatal(err)
		}
		got = state("ok", true)
		if !got.AgentSeenAt.Equal(clock.Now()) || !got.LastSeenAt.Equal(clock.Now()) {
			t.Fatalf("heard at %v, seen at %v; want both %v", got.AgentSeenAt, got.LastSeenAt, clock.Now())
		}
		queued := printOne(kiosk.Queued, "")
		if jobs, err := s.Take(ctx, k.ID); err != nil || len(jobs) != 1 || jobs[0].ID != queued.JobID {
			t.Fatalf("take: %v %v", jobs, err)
		}
		if _, err := s.Finish(ctx, k.ID, queued.JobID, ""); err != nil {
			t.Fatal(err)
		}

		// The agent reports states in which nothing prints.
		for _, st := range []string{"paper_out", "cover_open", "offline", "unreachable", "cutter_error"} {
			if err := s.AgentHeard(ctx, k.ID, st); err != nil {
				t.Fatal(err)
			}
			state(st, true)
			printOne(kiosk.Failed, st)
			noneTaken()
		}
		// Paper low or a printer that can't tell still print.
		for _, st := range []string{"paper_low", "unknown", "ok"} {
			if err := s.AgentHeard(ctx, k.ID, st); err != nil {
				t.Fatal(err)
			}
			state(st, true)
			r := printOne(kiosk.Queued, "")
			if jobs, err := s.Take(ctx, k.ID); err != nil || len(jobs) != 1 || jobs[0].ID != r.JobID {
				t.Fatalf("take: %v %v", jobs, err)
			}
			if _, err := s.Finish(ctx, k.ID, r.JobID, ""); err != nil {
				t.Fatal(err)
			}
		}

		// A word without a state (a ping answered) keeps the state and moves
		// the time; 90 s of silence make the kiosk offline.
		clock.Advance(time.Minute)
		if err := s.AgentHeard(ctx, k.ID, ""); err != nil {
			t.Fatal(err)
		}
		heardAt := clock.Now()
		clock.Advance(kiosk.AgentTimeout - time.Microsecond)
		state("ok", true)
		clock.Advance(time.Microsecond)
		got = state(kiosk.StateOffline, false)
		if !got.AgentSeenAt.Equal(heardAt) {
			t.Fatalf("agent_seen_at %v, want %v", got.AgentSeenAt, heardAt)
		}
		printOne(kiosk.Failed, kiosk.ReasonAgentOffline)
		noneTaken()
		all, err := s.Jobs(ctx, k.ID, 1000)
		if err != nil {
			t.Fatal(err)
		}
		jobsBefore := len(all)
		// Reprinting now says why and changes nothing: the job stays as it
		// was and no reprint job is stored, none to print later by surprise.
		r, err := s.Reprint(ctx, queued.JobID, nil)
		if err != nil || r.State != kiosk.Failed || r.Reason != kiosk.ReasonAgentOffline || r.JobID != queued.JobID {
			t.Fatalf("reprint while offline: %+v %v", r, err)
		}
		if j, _ := s.Job(ctx, queued.JobID); j.State != kiosk.JobDone || j.Attempts != 1 {
			t.Fatalf("the job after a refused reprint: %+v, want done as it was", j)
		}
		if jobs, err := s.Jobs(ctx, k.ID, 1000); err != nil || len(jobs) != jobsBefore {
			t.Fatalf("jobs after a refused reprint: %d %v, want %d", len(jobs), err, jobsBefore)
		}
		// Nor does the print-retry job send anything of the agent kiosk, even
		// past its max_job_age_minutes: the refused jobs stay failed with
		// their reason, never sent, for a person to reprint.
		clock.Advance(time.Duration(kiosk.DefaultMaxJobAge+1) * time.Minute)
		if res, err := s.RetryFailed(ctx); err != nil || res.Retried != 0 || res.Expired != 0 {
			t.Fatalf("retry: %+v %v", res, err)
		}
		if j, _ := s.Job(ctx, offline.JobID); j.State != kiosk.JobFailed || j.Reason != kiosk.ReasonAgentOffline || j.Attempts != 0 {
			t.Fatalf("the offline job after the retry job: %+v, want failed agent_offline, never sent", j)
		}
		noneTaken()
		// Listed the same way.
		list, err := s.List(ctx)
		if err != nil || len(list) != 2 || list[1].PrinterState != kiosk.StateOffline || list[0].PrinterState != kiosk.StateNone {
			t.Fatalf("list: %+v %v", list, err)
		}

		// Back: the job of the offline time is reprinted by a person.
		if err := s.AgentHeard(ctx, k.ID, "ok"); err != nil {
			t.Fatal(err)
		}
		state("ok", true)
		r, err = s.Reprint(ctx, offline.JobID, nil)
		if err != nil || r.State != kiosk.Queued || r.JobID == offline.JobID {
			t.Fatalf("reprint: %+v %v", r, err)
		}
		if jobs, err := s.Take(ctx, k.ID); err != nil || len(jobs) != 1 || jobs[0].ID != r.JobID || jobs[0].ReprintOf == nil || *jobs[0].ReprintOf != offline.JobID {
			t.Fatalf("take: %v %v, want the reprint of job %d", jobs, err, offline.JobID)
		}

		// Switching the printer to none: state none whatever was heard.
		if _, err := s.Update(ctx, k.ID, func(sp *kiosk.Spec) error { sp.Printer.URI = "none"; return nil }); err != nil {
			t.Fatal(err)
		}
		state(kiosk.StateNone, false)
	})
}

// Every printer setting is checked, a refusal names the field, and nothing
// is written.
func TestKioskValidation(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, officeID := setup(t, db)
		ctx := context.Background()
		for _, tt := range []struct {
			name  string
			field string
			edit  func(*kiosk.PrinterSpec)
		}{
			{"blank name", "name", nil},
			{"http", "printer.uri", func(p *kiosk.PrinterSpec) { p.URI = "http://printer" }},
			{"port 99999", "printer.uri", func(p *kiosk.PrinterSpec) { p.URI = "tcp://127.0.0.1:99999" }},
			{"port 0", "printer.uri", func(p *kiosk.PrinterSpec) { p.URI = "tcp://127.0.0.1:0" }},
			{"port not a number", "printer.uri", func(p *kiosk.PrinterSpec) { p.URI = "tcp://127.0.0.1:lp" }},
			{"a file outside /dev", "printer.uri", func(p *kiosk.PrinterSpec) { p.URI = "file:///etc/passwd" }},
			{"76 mm", "printer.paper_mm", func(p *kiosk.PrinterSpec) { p.PaperMM = 76 }},
			{"23 columns", "printer.columns", func(p *kiosk.PrinterSpec) { p.Columns = 23 }},
			{"65 columns", "printer.columns", func(p *kiosk.PrinterSpec) { p.Columns = 65 }},
			{"49 columns on 384 dots", "printer.columns", func(p *kiosk.PrinterSpec) { p.Columns, p.Dots = 48, 384 }},
			{"248 dots", "printer.dots", func(p *kiosk.PrinterSpec) { p.Dots = 248 }},
			{"840 dots", "printer.dots", func(p *kiosk.PrinterSpec) { p.Dots = 840 }},
			{"dots not a multiple of 8", "printer.dots", func(p *kiosk.PrinterSpec) { p.Dots = 580 }},
			{"576 dots on 58 mm", "printer.dots", func(p *kiosk.PrinterSpec) { p.PaperMM, p.Columns, p.Dots = 58, 32, 576 }},
			{"code table 256", "printer.code_table", func(p *kiosk.PrinterSpec) { p.CodeTable, p.Charset = 256, "pc852" }},
			{"code table -1", "printer.code_table", func(p *kiosk.PrinterSpec) { p.CodeTable, p.Charset = -1, "pc852" }},
			{"a table Epson does not number, no charset", "printer.charset", func(p *kiosk.PrinterSpec) { p.CodeTable = 17 }},
			{"charset cp437", "printer.charset", func(p *kiosk.PrinterSpec) { p.Charset = "cp437" }},
			{"qr pdf417", "printer.qr", func(p *kiosk.PrinterSpec) { p.QR = "pdf417" }},
			{"cut half", "printer.cut", func(p *kiosk.PrinterSpec) { p.Cut = "half" }},
			{"cut partial without a cutter", "printer.cutter", func(p *kiosk.PrinterSpec) { p.Cut, p.Cutter = "partial", false }},
		} {
			spec := kiosk.DefaultSpec()
			spec.Name = "Biletomat"
			if tt.edit == nil {
				spec.Name = " "
			} else {
				tt.edit(&spec.Printer)
			}
			_, err := s.Create(ctx, officeID, spec)
			if e := okienko.AsError(err); e.Code != okienko.EINVALID || e.Fields[tt.field] == "" || len(e.Fields) != 1 {
				t.Errorf("%s: %v; want EINVALID on %s only", tt.name, err, tt.field)
			}
		}
		for _, uri := range []string{"tcp://192.0.2.1:9100", "tcp://192.0.2.1:1", "tcp://192.0.2.1:65535", "tcp://[2001:db8::1]:9100", "file:///dev/usb/lp0", "agent", "none"} {
			if err := kiosk.ValidateURI(uri); err != nil {
				t.Errorf("%s refused: %v", uri, err)
			}
		}
		if ks, _ := s.List(ctx); len(ks) != 0 {
			t.Fatalf("%d kiosks written by refused creates", len(ks))
		}
	})
}

// What a request leaves out takes its default, or follows the field it
// depends on: older clients that only know paper_mm, code_table and cutter
// keep working. Refused changes write nothing.
func TestKioskPrinterSettings(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, officeID := setup(t, db)
		ctx := context.Background()
		spec := kiosk.DefaultSpec()
		spec.Name, spec.Printer.URI = "Biletomat", "tcp://192.0.2.10"
		k, err := s.Create(ctx, officeID, spec)
		if err != nil {
			t.Fatal(err)
		}
		want := kiosk.PrinterSpec{URI: "tcp://192.0.2.10:9100", PaperMM: 80, Columns: 48, Dots: 576, CodeTable: 18, Charset: "pc852",
			QR: "native", Cut: "partial", Cutter: true, Status: true}
		if k.Printer != want {
			t.Fatalf("created with the defaults: %+v; want %+v", k.Printer, want)
		}
		update := func(edit func(*kiosk.PrinterSpec)) (kiosk.PrinterSpec, error) {
			t.Helper()
			k, err := s.Update(ctx, k.ID, func(sp *kiosk.Spec) error { edit(&sp.Printer); return nil })
			if err != nil {
				return kiosk.PrinterSpec{}, err
			}
			if got, _ := s.Get(ctx, k.ID); got.Printer != k.Printer {
				t.Fatalf("read back %+v; answered %+v", got.Printer, k.Printer)
			}
			return k.Printer, nil
		}
		steps := []struct {
			name string
			edit func(*kiosk.PrinterSpec)
			want func(*kiosk.PrinterSpec)
		}{
			{"the paper alone: its columns and dots follow", func(p *kiosk.PrinterSpec) { p.PaperMM = 58 },
				func(p *kiosk.PrinterSpec) { p.PaperMM, p.Columns, p.Dots = 58, 32, 384 }},
			{"and back", func(p *kiosk.PrinterSpec) { p.PaperMM = 80 },
				func(p *kiosk.PrinterSpec) { p.PaperMM, p.Columns, p.Dots = 80, 48, 576 }},
			{"the cutter alone sets the cut", func(p *kiosk.PrinterSpec) { p.Cutter = false },
				func(p *kiosk.PrinterSpec) { p.Cut, p.Cutter = "feed", false }},
			{"the cut sets the cutter", func(p *kiosk.PrinterSpec) { p.Cut = "full" },
				func(p *kiosk.PrinterSpec) { p.Cut, p.Cutter = "full", true }},
			{"an Epson code table number alone sets the charset", func(p *kiosk.PrinterSpec) { p.CodeTable = 45 },
				func(p *kiosk.PrinterSpec) { p.CodeTable, p.Charset = 45, "wpc1250" }},
			{"a clone's number with its charset", func(p *kiosk.PrinterSpec) { p.CodeTable, p.Charset = 72, "wpc1250" },
				func(p *kiosk.PrinterSpec) { p.CodeTable, p.Charset = 72, "wpc1250" }},
			{"a TM-T88", func(p *kiosk.PrinterSpec) { p.Columns, p.Dots, p.QR = 42, 512, "raster" },
				func(p *kiosk.PrinterSpec) { p.Columns, p.Dots, p.QR = 42, 512, "raster" }},
			{"FS . and no status questions", func(p *kiosk.PrinterSpec) { p.ChineseOff, p.Status = true, false },
				func(p *kiosk.PrinterSpec) { p.ChineseOff, p.Status = true, false }},
		}
		for _, st := range steps {
			st.want(&want)
			got, err := update(st.edit)
			if err != nil || got != want {
				t.Fatalf("%s: %+v %v; want %+v", st.name, got, err, want)
			}
		}
		// Columns and dots set by hand stay; a paper they do not fit is refused.
		_, err = update(func(p *kiosk.PrinterSpec) { p.PaperMM = 58 })
		if e := okienko.AsError(err); e.Code != okienko.EINVALID || e.Fields["printer.dots"] == "" {
			t.Fatalf("512 dots on 58 mm: %v", err)
		}
		_, err = update(func(p *kiosk.PrinterSpec) { p.Cut, p.Cutter = "partial", false })
		if e := okienko.AsError(err); e.Code != okienko.EINVALID || e.Fields["printer.cutter"] == "" {
			t.Fatalf("a partial cut without a cutter: %v", err)
		}
		if got, _ := s.Get(ctx, k.ID); got.Printer != want {
			t.Fatalf("a refused change wrote %+v; want %+v", got.Printer, want)
		}
		for _, pr := range kiosk.Presets() {
			p := pr.Printer
			p.URI = "none"
			if _, err := p.Profile(); err != nil {
				t.Errorf("preset %s: %v", pr.ID, err)
			}
			got, err := update(func(sp *kiosk.PrinterSpec) { *sp = p })
			if err != nil || got != p {
				t.Errorf("preset %s: %+v %v", pr.ID, got, err)
			}
		}
	})
}

// A printer without a back channel, or one that does not answer DLE EOT:
// asked its status it is unreachable and nothing prints; with status false
// it is never asked and the ticket prints, once.
func TestPrinterWithoutStatus(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, officeID := setup(t, db)
		ctx := context.Background()
		old := kiosk.PrintTimeout
		kiosk.PrintTimeout = 300 * time.Millisecond
		defer func() { kiosk.PrintTimeout = old }()
		fake := printertest.Start(t)
		fake.SetMute(true)
		spec := kiosk.DefaultSpec()
		spec.Name, spec.Printer.URI = "Biletomat", fake.URI()
		k, err := s.Create(ctx, officeID, spec)
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.PrintTicket(ctx, k.ID, 0, "", ticketBytes(t, k))
		if err != nil || r.State != kiosk.Failed || r.Reason != "unreachable" || fake.Printed() != 0 || len(fake.Received()) != 0 {
			t.Fatalf("asked: %+v %v, printed %d, received %d bytes", r, err, fake.Printed(), len(fake.Received()))
		}
		if k, err = s.Update(ctx, k.ID, func(sp *kiosk.Spec) error { sp.Printer.Status = false; return nil }); err != nil {
			t.Fatal(err)
		}
		asked := len(fake.Asked())
		r, err = s.PrintTicket(ctx, k.ID, 0, "", ticketBytes(t, k))
		if n := fake.WaitPrinted(1, time.Second); err != nil || r.State != kiosk.Printed || n != 1 {
			t.Fatalf("not asked: %+v %v, printed %d", r, err, n)
		}
		if n := len(fake.Asked()); n != asked {
			t.Errorf("the printer was asked its status %d times", n-asked)
		}
		if j, _ := s.Job(ctx, r.JobID); j.State != kiosk.JobDone {
			t.Errorf("job %+v", j)
		}
		if got, _ := s.Get(ctx, k.ID); got.PrinterState != "unknown" {
			t.Errorf("printer state %s; nothing is known of it", got.PrinterState)
		}
	})
}

// A job whose printer couldn't be reached is retried while it is young; a
// paper end waits for a person.
func TestRetryUnreachable(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, officeID := setup(t, db)
		ctx := context.Background()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		dead := "tcp://" + ln.Addr().String()
		ln.Close()
		spec := kiosk.DefaultSpec()
		spec.Name, spec.Printer.URI = "Biletomat", dead
		k, err := s.Create(ctx, officeID, spec)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := s.PrintTicket(ctx, k.ID, 0, "", ticketBytes(t, k))
		if r.State != kiosk.Failed || r.Reason != "unreachable" {
			t.Fatalf("dead printer: %+v", r)
		}
		fake := printertest.Start(t)
		fake.SetPaperOut(true)
		if _, err := s.Update(ctx, k.ID, func(sp *kiosk.Spec) error { sp.Printer.URI = fake.URI(); return nil }); err != nil {
			t.Fatal(err)
		}
		paper, _ := s.PrintTicket(ctx, k.ID, 0, "", ticketBytes(t, k))
		fake.Refill()
		n, err := s.RetryFailed(ctx)
		if err != nil || n.Retried != 1 || fake.Printed() != 1 {
			t.Fatalf("retried %+v (%v), printed %d; want the unreachable one only", n, err, fake.Printed())
		}
		if j, _ := s.Job(ctx, paper.JobID); j.State != kiosk.JobFailed || j.Reason != "paper_out" {
			t.Fatalf("the paper-out job was retried: %+v", j)
		}
		if j, _ := s.Job(ctx, r.JobID); j.State != kiosk.JobDone || j.Attempts != 2 {
			t.Fatalf("the retried job: %+v", j)
		}
		if n, _ := s.RetryFailed(ctx); n.Retried != 0 {
			t.Fatalf("a done job retried again")
		}
	})
}

// The administrator's test print reaches the kiosk's printer as a job of
// kind "test" whose Polish text decodes back; with the paper out it fails
// with that reason and marks the printer.
func TestTestPrint(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, officeID := setup(t, db)
		ctx := context.Background()
		fake := printertest.Start(t)
		spec := kiosk.DefaultSpec()
		spec.Name, spec.Printer.URI, spec.Printer.PaperMM = "Biletomat w holu", fake.URI(), 58
		k, err := s.Create(ctx, officeID, spec)
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.TestPrint(ctx, k.ID, "http://okienko.test/")
		if err != nil || r.State != kiosk.Printed || fake.Printed() != 1 {
			t.Fatalf("test print: %+v %v, printed %d", r, err, fake.Printed())
		}
		j, err := s.Job(ctx, r.JobID)
		if err != nil || j.Kind != "test" || j.TicketID != nil || j.State != kiosk.JobDone {
			t.Fatalf("job %+v %v", j, err)
		}
		text := escpos.Decode(fake.Jobs()[0], k.Printer.CodeTable)
		// The page gives the store's time in UTC: 09:00 on the written Monday
		// (winter), 08:00 on a Monday in summer time.
		now := start(t).UTC().Format("2006-01-02 15:04:05") + " UTC"
		for _, want := range []string{"Wydruk testowy", "Zażółć gęślą jaźń", "ZAŻÓŁĆ GĘŚLĄ JAŹŃ", "Biletomat w holu", fake.URI(), "Profil: 58mm-pc852", now} {
			if !strings.Contains(text, want) {
				t.Errorf("the test page lacks %q:\n%s", want, text)
			}
		}

		fake.SetPaperOut(true)
		r, err = s.TestPrint(ctx, k.ID, "http://okienko.test/")
		if err != nil || r.State != kiosk.Failed || r.Reason != "paper_out" {
			t.Fatalf("paper out: %+v %v", r, err)
		}
		if got, _ := s.Get(ctx, k.ID); got.PrinterState != "paper_out" {
			t.Fatalf("printer state %s, want paper_out", got.PrinterState)
		}
		if _, err := s.TestPrint(ctx, 99999, "x"); okienko.ErrorCode(err) != okienko.ENOTFOUND {
			t.Fatalf("unknown kiosk: %v", err)
		}
	})
}

// Kiosks registered before printer profiles keep printing as they did: the
// migration gives them their paper's columns and dots, Epson's charset of
// their code table, and a partial cut where they had a cutter.
func TestPrinterProfileMigration(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, officeID := setup(t, db)
		ctx := context.Background()
		sqlDB, err := db.DB()
		if err != nil {
			t.Fatal(err)
		}
		dialect := goose.DialectSQLite3
		if database.Dialect(db) == database.Postgres {
			dialect = goose.DialectPostgres
		}
		p, err := goose.NewProvider(dialect, sqlDB, migrations.FS(database.Dialect(db)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.DownTo(ctx, 11); err != nil {
			t.Fatal(err)
		}
		for i, old := range []struct {
			paper, table int
			qr           string
			cutter       bool
		}{{80, 18, "native", true}, {58, 45, "raster", false}, {58, 18, "raster", true}} {
			err := db.Exec(`INSERT INTO kiosks (office_id, name, token_hash, printer_uri, paper_mm, code_table, qr, cutter, printer_state, created_at, updated_at)
				VALUES (?, ?, ?, 'none', ?, ?, ?, ?, 'unknown', ?, ?)`, officeID, fmt.Sprint("K", i), fmt.Sprint("hash", i),
				old.paper, old.table, old.qr, old.cutter, start(t), start(t)).Error
			if err != nil {
				t.Fatal(err)
			}
		}
		if _, err := p.Up(ctx); err != nil {
			t.Fatal(err)
		}
		ks, err := s.List(ctx)
		if err != nil || len(ks) != 3 {
			t.Fatalf("%d kiosks, %v", len(ks), err)
		}
		want := []kiosk.PrinterSpec{
			{URI: "none", PaperMM: 80, Columns: 48, Dots: 576, CodeTable: 18, Charset: "pc852", QR: "native", Cut: "partial", Cutter: true, Status: true},
			{URI: "none", PaperMM: 58, Columns: 32, Dots: 384, CodeTable: 45, Charset: "wpc1250", QR: "raster", Cut: "feed", Status: true},
			{URI: "none", PaperMM: 58, Columns: 32, Dots: 384, CodeTable: 18, Charset: "pc852", QR: "raster", Cut: "partial", Cutter: true, Status: true},
		}
		for i, k := range ks {
			if k.Printer != want[i] {
				t.Errorf("kiosk %s: %+v; want %+v", k.Name, k.Printer, want[i])
			}
			// The same bytes as the profile of before.
			old, _ := escpos.ProfileFor(want[i].PaperMM, want[i].CodeTable, want[i].QR, want[i].Cutter)
			if got, want := ticketBytes(t, &k), mustRender(t, old); !bytes.Equal(got, want) {
				t.Errorf("kiosk %s prints other bytes than before", k.Name)
			}
		}
	})
}

func mustRender(t *testing.T, p escpos.Profile) []byte {
	t.Helper()
	b, err := escpos.Render(p, escpos.Ticket{Office: "Urząd Miasta", Department: "Dowody osobiste", Service: "Wniosek",
		Number: "D017", Issued: officetest.Anchor(t).At(0, 11, 0), PeopleAhead: 2, WaitMinutes: 9,
		StatusURL: "http://okienko.test/t/abc", Lang: "pl"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
