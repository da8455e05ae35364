package kiosk_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/event"
	"github.com/okienko/okienko/kiosk"
	"github.com/okienko/okienko/kiosk/printer/printertest"
	"github.com/okienko/okienko/notify/outbox"
)

// events collects what a store publishes after commit.
type events struct {
	mu  sync.Mutex
	got []event.Event
}

func (e *events) publish(evs []event.Event) {
	e.mu.Lock()
	e.got = append(e.got, evs...)
	e.mu.Unlock()
}

func (e *events) states() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.got {
		var c kiosk.PrinterChange
		_ = json.Unmarshal([]byte(ev.Data), &c)
		out = append(out, ev.Type+":"+c.State)
	}
	return out
}

func alerts(t *testing.T, db *gorm.DB) []outbox.Message {
	t.Helper()
	var ms []outbox.Message
	if err := db.Where("kind = ?", outbox.PrinterAlert).Order("id").Find(&ms).Error; err != nil {
		t.Fatal(err)
	}
	return ms
}

// A change of the printer's state is one published event; a change into a
// state that needs a person is also one e-mail to the office's
// alerts_email, queued with the change; hearing the same state again, or
// going back to ok, queues none. Without alerts_email no e-mail is queued.
func TestPrinterStateChanges(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, clock, officeID := clocked(t, db)
		ctx := context.Background()
		var seen events
		s.OnCommit(seen.publish)
		k := newKiosk(t, s, officeID, "tcp://192.0.2.1:9100")
		if err := s.SetPrinterState(ctx, k.ID, "paper_low"); err != nil {
			t.Fatal(err)
		}
		if n := len(alerts(t, db)); n != 0 {
			t.Fatalf("%d e-mails without alerts_email", n)
		}
		if err := db.Exec("UPDATE offices SET alerts_email = ? WHERE id = ?", "sekretariat@urzad.example.pl", officeID).Error; err != nil {
			t.Fatal(err)
		}
		for _, st := range []string{"paper_out", "paper_out", "paper_out", "ok", "ok", "cover_open"} {
			clock.Advance(30 * time.Second)
			if err := s.SetPrinterState(ctx, k.ID, st); err != nil {
				t.Fatal(err)
			}
		}
		want := []string{"printer_state:paper_low", "printer_state:paper_out", "printer_state:ok", "printer_state:cover_open"}
		if got := seen.states(); len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
			t.Fatalf("published %v, want %v", got, want)
		}
		ms := alerts(t, db)
		if len(ms) != 2 {
			t.Fatalf("%d e-mails, want 2 (paper_out, cover_open)", len(ms))
		}
		for i, m := range ms {
			var data map[string]int64
			if err := json.Unmarshal([]byte(m.Data), &data); err != nil || len(data) != 1 || data["event_id"] == 0 {
				t.Fatalf("e-mail %d holds %s; want only the event's id", i, m.Data)
			}
			if m.KioskID == nil || *m.KioskID != k.ID || m.Channel != outbox.Email || m.Lang != "pl" || m.Recipient != "" {
				t.Fatalf("e-mail %d: %+v", i, m)
			}
		}
		got, _ := s.Get(ctx, k.ID)
		if got.PrinterState != "cover_open" || got.PrinterCheckedAt == nil || !got.PrinterCheckedAt.Equal(clock.Now().UTC()) {
			t.Fatalf("kiosk %+v; want cover_open checked at %v", got, clock.Now().UTC())
		}
	})
}

// A printer that doesn't answer is unreachable within the watch's timeout,
// and the others are still asked: the silent ones are waited for together,
// not one after another.
func TestCheckPrintersSilentAndDead(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _, officeID := clocked(t, db)
		ctx := context.Background()
		old := kiosk.WatchTimeout
		kiosk.WatchTimeout = time.Second
		t.Cleanup(func() { kiosk.WatchTimeout = old })
		var silent []*kiosk.Kiosk
		var silentFakes []*printertest.Fake
		for range 5 {
			f := printertest.Start(t)
			f.SetSilent(true)
			silentFakes = append(silentFakes, f)
			silent = append(silent, newKiosk(t, s, officeID, f.URI()))
		}
		dead := newKiosk(t, s, officeID, deadURI(t))
		paper := printertest.Start(t)
		paper.SetPaperOut(true)
		out := newKiosk(t, s, officeID, paper.URI())
		ready := printertest.Start(t)
		ok := newKiosk(t, s, officeID, ready.URI())
		screen := newKiosk(t, s, officeID, "none")
		agent := newKiosk(t, s, officeID, "agent")

		// Asked together, the five silent printers all have a connection
		// open at one moment, for the length of the timeout; asked one
		// after another, never more than one.
		type result struct {
			r   kiosk.Watched
			err error
		}
		done := make(chan result, 1)
		go func() {
			r, err := s.CheckPrinters(ctx)
			done <- result{r, err}
		}()
		most := 0
		var res result
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
	watch:
		for {
			open := 0
			for _, f := range silentFakes {
				open += f.Open()
			}
			most = max(most, open)
			select {
			case res = <-done:
				break watch
			case <-tick.C:
			}
		}
		r, err := res.r, res.err
		if err != nil || r.Asked != 8 || r.Busy != 0 || len(r.Changes) != 8 {
			t.Fatalf("check: %+v %v", r, err)
		}
		if most != len(silentFakes) {
			t.Fatalf("at most %d of the %d silent printers were asked at once", most, len(silentFakes))
		}
		want := map[int64]string{dead.ID: "unreachable", out.ID: "paper_out", ok.ID: "ok", screen.ID: kiosk.StateNone, agent.ID: kiosk.StateOffline}
		for _, k := range silent {
			want[k.ID] = "unreachable"
		}
		for id, st := range want {
			if k, _ := s.Get(ctx, id); k.PrinterState != st {
				t.Errorf("kiosk %d (%s): %s, want %s", id, k.Printer.URI, k.PrinterState, st)
			}
		}
		if paper.Connections() != 1 || ready.Connections() != 1 {
			t.Fatalf("connections: %d and %d, want one each", paper.Connections(), ready.Connections())
		}
	})
}

// While this process prints on a printer the watch leaves it alone.
func TestCheckPrintersLeavesBusyPrinter(t *testing.T) {
	db := databasetest.SQLite(t)
	s, _, officeID := clocked(t, db)
	fake := printertest.Start(t)
	k := newKiosk(t, s, officeID, fake.URI())
	release := s.HoldPrinter(k.ID)
	r, err := s.CheckPrinters(context.Background())
	release()
	if err != nil || r.Asked != 0 || r.Busy != 1 || fake.Connections() != 0 {
		t.Fatalf("busy printer: %+v %v, %d connections", r, err, fake.Connections())
	}
	if r, err := s.CheckPrinters(context.Background()); err != nil || r.Asked != 1 || fake.Connections() != 1 {
		t.Fatalf("free again: %+v %v", r, err)
	}
}

// The watch never asks a printer whose profile says status false (no back
// channel): it would read unreachable and alert.
func TestCheckPrintersSkipsPrinterWithoutStatus(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _, officeID := clocked(t, db)
		ctx := context.Background()
		blind := printertest.Start(t)
		k := newKiosk(t, s, officeID, blind.URI(), func(spec *kiosk.Spec) { spec.Printer.Status = false })
		dead := newKiosk(t, s, officeID, deadURI(t), func(spec *kiosk.Spec) { spec.Printer.Status = false })
		r, err := s.CheckPrinters(ctx)
		if err != nil || r.Asked != 0 || len(r.Changes) != 0 || blind.Connections() != 0 {
			t.Fatalf("check: %+v %v, %d connections", r, err, blind.Connections())
		}
		for _, id := range []int64{k.ID, dead.ID} {
			if got, _ := s.Get(ctx, id); got.PrinterState != "unknown" {
				t.Fatalf("kiosk %d: %s, want unknown", id, got.PrinterState)
			}
		}
	})
}

// What an agent reports goes the way of every printer state: an event for
// the staff and, into a state that needs a person, one e-mail. An agent
// silent for AgentTimeout is noticed by the watch and recorded offline once
// (event, e-mail); heard again, its kiosk is back (event, no e-mail). An
// agent never heard is not the watch's business.
func TestAgentStatesAndSilence(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, clock, officeID := clocked(t, db)
		ctx := context.Background()
		var seen events
		s.OnCommit(seen.publish)
		if err := db.Exec("UPDATE offices SET alerts_email = ? WHERE id = ?", "sekretariat@urzad.example.pl", officeID).Error; err != nil {
			t.Fatal(err)
		}
		k := newKiosk(t, s, officeID, "agent")
		never := newKiosk(t, s, officeID, "agent")
		check := func(changes int) {
			t.Helper()
			if r, err := s.CheckPrinters(ctx); err != nil || len(r.Changes) != changes || r.Asked != 0 {
				t.Fatalf("check: %+v %v; want %d changes", r, err, changes)
			}
		}
		heard := func(state string) {
			t.Helper()
			if err := s.AgentHeard(ctx, k.ID, state); err != nil {
				t.Fatal(err)
			}
		}
		check(0)
		heard("")   // connected: offline → unknown
		heard("ok") // its first report
		heard("ok")
		clock.Advance(20 * time.Second)
		heard("")
		heard("paper_out")
		heard("paper_out")
		heard("")
		check(0)
		clock.Advance(kiosk.AgentTimeout)
		check(1) // offline, once
		check(0)
		clock.Advance(time.Minute)
		check(0)
		heard("")   // back: still offline until it says
		heard("ok") // offline → ok
		heard("")
		want := []string{"printer_state:unknown", "printer_state:ok", "printer_state:paper_out", "printer_state:offline", "printer_state:ok"}
		if got := seen.states(); len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] || got[4] != want[4] {
			t.Fatalf("published %v, want %v", got, want)
		}
		if got, _ := s.Get(ctx, k.ID); got.PrinterState != "ok" || !got.AgentOnline || !got.AgentSeenAt.Equal(clock.Now().UTC()) {
			t.Fatalf("kiosk %+v", got)
		}
		if got, _ := s.Get(ctx, never.ID); got.PrinterState != kiosk.StateOffline {
			t.Fatalf("never heard: %s", got.PrinterState)
		}
		if ms := alerts(t, db); len(ms) != 2 || *ms[0].KioskID != k.ID || *ms[1].KioskID != k.ID {
			t.Fatalf("e-mails %+v, want 2 (paper_out, offline)", ms)
		}

		// Silent outside the watch's hours: heard again, the kiosk is back
		// from offline as read.
		clock.Advance(kiosk.AgentTimeout)
		heard("")
		if got := seen.states(); len(got) != 6 || got[5] != "printer_state:ok" {
			t.Fatalf("published %v, want back to ok", got)
		}
	})
}
