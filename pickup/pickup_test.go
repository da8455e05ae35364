package pickup_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/notify"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/officetest"
	"github.com/okienko/okienko/pickup"
	"github.com/okienko/okienko/queue"
)

// desk is an office with a clerk, and the pickups store acting as that clerk.
type desk struct {
	t       *testing.T
	db      *gorm.DB
	clock   *okienko.ManualClock
	offices *office.Store
	svc     *office.Service
	store   *pickup.Store
	ctx     context.Context // the clerk's
}

func newDesk(t *testing.T, db *gorm.DB) *desk {
	t.Helper()
	week := officetest.Anchor(t)
	clock := okienko.NewManualClock(week.At(1, 9, 0))
	offices, _, svc := officetest.New(t, db, clock, nil)
	now := clock.Now()
	if err := db.Exec("INSERT INTO users (username, password_hash, role, created_at, updated_at) VALUES ('anna', 'x', 'clerk', ?, ?)", now, now).Error; err != nil {
		t.Fatal(err)
	}
	var uid int64
	if err := db.Raw("SELECT id FROM users WHERE username = 'anna'").Scan(&uid).Error; err != nil {
		t.Fatal(err)
	}
	ctx := okienko.WithActor(context.Background(), okienko.Actor{UserID: uid, Name: "anna", Role: okienko.RoleClerk})
	return &desk{t: t, db: db, clock: clock, offices: offices, svc: svc, store: pickup.NewStore(db, clock), ctx: ctx}
}

func (d *desk) count(table, where string, args ...any) int64 {
	d.t.Helper()
	var n int64
	q := d.db.Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Count(&n).Error; err != nil {
		d.t.Fatal(err)
	}
	return n
}

// kinds returns the kinds and channels of the outbox's messages about p.
func (d *desk) messages(id int64) []string {
	d.t.Helper()
	var ms []outbox.Message
	if err := d.db.Where("pickup_id = ?", id).Order("id").Find(&ms).Error; err != nil {
		d.t.Fatal(err)
	}
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Kind + "/" + m.Channel + "/" + m.Lang
	}
	return out
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := okienko.ErrorCode(err); got != code {
		t.Fatalf("error %v (code %q), want code %q", err, got, code)
	}
}

func TestRegisterRefusesBadInputAndWritesNothing(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		d := newDesk(t, db)
		for _, c := range []struct {
			name  string
			spec  pickup.Spec
			field string
		}{
			{"no what", pickup.Spec{Phone: "600 100 200"}, "what"},
			{"blank what", pickup.Spec{What: " \t ", Phone: "600100200"}, "what"},
			{"control character", pickup.Spec{What: "dowód\x00", Phone: "600100200"}, "what"},
			{"too long", pickup.Spec{What: strings.Repeat("ż", pickup.MaxWhat+1), Phone: "600100200"}, "what"},
			{"no address", pickup.Spec{What: "dowód osobisty"}, "phone"},
			{"landline", pickup.Spec{What: "dowód osobisty", Phone: "22 123 45 67"}, "phone"},
			{"bad e-mail", pickup.Spec{What: "dowód osobisty", Email: "jan@"}, "email"},
			{"language", pickup.Spec{What: "dowód osobisty", Phone: "600100200", Lang: "de"}, "lang"},
			{"no such ticket", pickup.Spec{What: "dowód osobisty", Phone: "600100200", TicketID: 999999}, "ticket_id"},
		} {
			_, err := d.store.Register(d.ctx, c.spec)
			wantCode(t, err, okienko.EINVALID)
			if e := okienko.AsError(err); e.Fields[c.field] == "" {
				t.Errorf("%s: the error names %v, want %s", c.name, e.Fields, c.field)
			}
		}
		if n := d.count("pickups", ""); n != 0 {
			t.Fatalf("%d pickups written", n)
		}
		if n := d.count("outbox", ""); n != 0 {
			t.Fatalf("%d messages queued", n)
		}
		if n := d.count("audit_log", "object_type = ?", "pickup"); n != 0 {
			t.Fatalf("%d audit entries", n)
		}
	})
}

// Every transition, and every one that isn't allowed (409), in order; the
// messages each queues; the event of ready; the audit log with no address.
func TestPickupTransitions(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		d := newDesk(t, db)
		p, err := d.store.Register(d.ctx, pickup.Spec{What: "  zaświadczenie o wpisie\n do ewidencji ", Phone: "+48 600-100-200", Email: "Jan.Kowalski@Example.PL", Lang: "uk"})
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != pickup.StatusInProgress || p.What != "zaświadczenie o wpisie do ewidencji" || *p.Phone != "+48600100200" || *p.Email != "Jan.Kowalski@example.pl" {
			t.Fatalf("registered %+v", p)
		}
		if _, err := booking.ParseCode(p.Number); err != nil || p.CreatedBy == nil {
			t.Fatalf("number %q (%v), created by %v", p.Number, err, p.CreatedBy)
		}
		if got := strings.Join(d.messages(p.ID), " "); got != "pickup_registered/sms/uk pickup_registered/email/uk" {
			t.Fatalf("messages after registering: %s", got)
		}

		_, err = d.store.Collected(d.ctx, p.ID)
		wantCode(t, err, okienko.ECONFLICT) // not ready yet
		_, err = d.store.Ready(d.ctx, p.ID, "  ")
		wantCode(t, err, okienko.EINVALID)
		_, err = d.store.Ready(d.ctx, 999999, "112")
		wantCode(t, err, okienko.ENOTFOUND)

		d.clock.Advance(2 * 24 * time.Hour)
		ready, err := d.store.Ready(d.ctx, p.ID, "112")
		if err != nil {
			t.Fatal(err)
		}
		if ready.Status != pickup.StatusReady || ready.Room != "112" || ready.ReadyAt == nil || !ready.ReadyAt.Equal(d.clock.Now().UTC().Truncate(time.Microsecond)) {
			t.Fatalf("ready: %+v", ready)
		}
		if got := strings.Join(d.messages(p.ID), " "); got != "pickup_registered/sms/uk pickup_registered/email/uk pickup_ready/sms/uk pickup_ready/email/uk" {
			t.Fatalf("messages after ready: %s", got)
		}
		if n := d.count("events", "type = ? AND object_id = ?", pickup.EventReady, p.ID); n != 1 {
			t.Fatalf("%d pickup.ready events", n)
		}
		_, err = d.store.Ready(d.ctx, p.ID, "113")
		wantCode(t, err, okienko.ECONFLICT) // told once; the room stays
		done, err := d.store.Collected(d.ctx, p.ID)
		if err != nil || done.Status != pickup.StatusCollected || done.ClosedAt == nil {
			t.Fatalf("collected: %+v %v", done, err)
		}
		_, err = d.store.Cancel(d.ctx, p.ID)
		wantCode(t, err, okienko.ECONFLICT)
		_, err = d.store.Collected(d.ctx, p.ID)
		wantCode(t, err, okienko.ECONFLICT)

		// A second one, cancelled while in progress: nothing can follow.
		q, err := d.store.Register(d.ctx, pickup.Spec{What: "prawo jazdy", Email: "ala@example.pl"})
		if err != nil {
			t.Fatal(err)
		}
		if c, err := d.store.Cancel(d.ctx, q.ID); err != nil || c.Status != pickup.StatusCancelled {
			t.Fatalf("cancel: %+v %v", c, err)
		}
		_, err = d.store.Ready(d.ctx, q.ID, "5")
		wantCode(t, err, okienko.ECONFLICT)
		if got := strings.Join(d.messages(q.ID), " "); got != "pickup_registered/email/pl" {
			t.Fatalf("messages of the cancelled one: %s", got)
		}

		// The audit log: who, every change, and never an address.
		var entries []struct {
			Actor      string
			Action     string
			BeforeJSON *string
			AfterJSON  *string
		}
		if err := db.Table("audit_log").Where("object_type = ?", "pickup").Order("id").Find(&entries).Error; err != nil {
			t.Fatal(err)
		}
		if len(entries) != 5 {
			t.Fatalf("%d audit entries, want 5 (2 registered, ready, collected, cancelled)", len(entries))
		}
		for _, e := range entries {
			all := e.Actor
			for _, s := range []*string{e.BeforeJSON, e.AfterJSON} {
				if s != nil {
					all += *s
				}
			}
			if e.Actor != "anna" || strings.Contains(all, "600100200") || strings.Contains(strings.ToLower(all), "kowalski") || strings.Contains(all, "ala@") {
				t.Fatalf("audit entry %+v", e)
			}
		}

		// The list: open ones, and by status, with the clerk's name.
		open, err := d.store.List(d.ctx, pickup.Filter{Open: true})
		if err != nil || len(open) != 0 {
			t.Fatalf("open: %d %v", len(open), err)
		}
		all, err := d.store.List(d.ctx, pickup.Filter{})
		if err != nil || len(all) != 2 || all[0].ID != q.ID || all[0].CreatedByName != "anna" {
			t.Fatalf("all: %+v %v", all, err)
		}
		_, err = d.store.List(d.ctx, pickup.Filter{Status: "lost"})
		wantCode(t, err, okienko.EINVALID)
		_, err = d.store.List(d.ctx, pickup.Filter{Limit: pickup.MaxList + 1})
		wantCode(t, err, okienko.EINVALID)
	})
}

// The served ticket's phone stands in when the clerk gives no address.
func TestRegisterTakesTheTicketsPhone(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		d := newDesk(t, db)
		q := queue.NewStore(db, d.clock, d.offices, booking.NewStore(db, d.clock, d.offices, "secret"))
		tk, err := q.IssueWalkInWithPhone(d.ctx, d.svc.ID, false, "600 200 300")
		if err != nil {
			t.Fatal(err)
		}
		p, err := d.store.Register(d.ctx, pickup.Spec{What: "dowód osobisty", TicketID: tk.ID})
		if err != nil {
			t.Fatal(err)
		}
		if p.Phone == nil || *p.Phone != "+48600200300" || p.TicketID == nil || *p.TicketID != tk.ID {
			t.Fatalf("registered %+v", p)
		}
		// A ticket without a phone, and no address given: refused.
		bare, err := q.IssueWalkIn(d.ctx, d.svc.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		_, err = d.store.Register(d.ctx, pickup.Spec{What: "dowód osobisty", TicketID: bare.ID})
		wantCode(t, err, okienko.EINVALID)
	})
}

// Clerks at several counters press "ready" (and "collected") for one pickup at
// once: exactly one wins each, and the resident is told once.
func TestPickupReadyRace(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		d := newDesk(t, db)
		p, err := d.store.Register(d.ctx, pickup.Spec{What: "dowód osobisty", Phone: "600100200"})
		if err != nil {
			t.Fatal(err)
		}
		race := func(step string, do func() error) {
			const n = 12
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- do()
				}()
			}
			wg.Wait()
			close(errs)
			won := 0
			for err := range errs {
				switch okienko.ErrorCode(err) {
				case "":
					won++
				case okienko.ECONFLICT:
				default:
					t.Fatalf("%s: %v", step, err)
				}
			}
			if won != 1 {
				t.Fatalf("%s: %d of %d won, want exactly 1", step, won, n)
			}
		}
		race("ready", func() error { _, err := d.store.Ready(d.ctx, p.ID, "112"); return err })
		race("collected", func() error { _, err := d.store.Collected(d.ctx, p.ID); return err })
		if n := d.count("outbox", "pickup_id = ? AND kind = ?", p.ID, outbox.PickupReady); n != 1 {
			t.Fatalf("%d ready messages", n)
		}
		if n := d.count("events", "type = ? AND object_id = ?", pickup.EventReady, p.ID); n != 1 {
			t.Fatalf("%d ready events", n)
		}
	})
}

func TestPickupByNumber(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		d := newDesk(t, db)
		p, err := d.store.Register(d.ctx, pickup.Spec{What: "dowód osobisty", Phone: "600100200"})
		if err != nil {
			t.Fatal(err)
		}
		typed := " " + strings.ToLower(booking.FormatCode(p.Number)) + " "
		got, err := d.store.ByNumber(d.ctx, typed)
		if err != nil || got.ID != p.ID {
			t.Fatalf("by %q: %+v %v", typed, got, err)
		}
		_, err = d.store.ByNumber(d.ctx, "not-a-number")
		wantCode(t, err, okienko.EINVALID)
		other := "ABCDEFGH"
		if p.Number == other {
			other = "HGFEDCBA"
		}
		_, err = d.store.ByNumber(d.ctx, other)
		wantCode(t, err, okienko.ENOTFOUND)
	})
}

// Addresses go after the retention: of pickups closed longer ago, and of
// open ones nobody came for in twice that; the rest keep theirs. A message
// still queued for an erased pickup fails for good.
func TestPickupErase(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		d := newDesk(t, db)
		const retention = 30 * 24 * time.Hour
		reg := func(what string) *pickup.Pickup {
			p, err := d.store.Register(d.ctx, pickup.Spec{What: what, Phone: "600100200", Email: "jan@example.pl"})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		forgotten := reg("nikt nie przyszedł")
		closed := reg("odebrany dawno")
		if _, err := d.store.Cancel(d.ctx, closed.ID); err != nil {
			t.Fatal(err)
		}
		d.clock.Advance(retention + time.Hour)
		recent := reg("odebrany wczoraj")
		if _, err := d.store.Cancel(d.ctx, recent.ID); err != nil {
			t.Fatal(err)
		}
		open := reg("w toku")
		if n, err := d.store.Erase(d.ctx, retention); err != nil || n != 1 {
			t.Fatalf("erased %d (%v), want 1: the one closed before the retention", n, err)
		}
		d.clock.Advance(retention + time.Minute)
		if n, err := d.store.Erase(d.ctx, retention); err != nil || n != 2 {
			t.Fatalf("erased %d (%v), want 2: the one never collected and the one closed since", n, err)
		}
		for _, c := range []struct {
			p      *pickup.Pickup
			erased bool
		}{{forgotten, true}, {closed, true}, {recent, true}, {open, false}} {
			got, err := d.store.ByID(d.ctx, c.p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if erased := got.Phone == nil && got.Email == nil && got.ErasedAt != nil; erased != c.erased || got.What != c.p.What {
				t.Errorf("%s: %+v, want erased %v", c.p.What, got, c.erased)
			}
		}
		m := &outbox.Message{Channel: outbox.SMS, Kind: outbox.PickupRegistered, Lang: "pl", PickupID: &closed.ID}
		_, err := (&notify.Messages{DB: db, Clock: d.clock, Offices: d.offices, BaseURL: "https://urzad.example"}).Compose(context.Background(), m)
		if !notify.IsPermanent(err) {
			t.Fatalf("composing for an erased pickup: %v, want a permanent error", err)
		}
	})
}

// The messages as the resident gets them, in each language: the room, the
// number and the link always whole, even when the document's name has to
// be shortened to fit one SMS; a "ready" message that comes after the
// document was collected is not sent.
func TestPickupMessages(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		d := newDesk(t, db)
		msgs := &notify.Messages{DB: db, Clock: d.clock, Offices: d.offices, BaseURL: "https://urzad.example", SMS: notify.SMSLimits{Parts: 1}}
		for _, lang := range []string{"pl", "en", "uk"} {
			what := "zaświadczenie o wpisie do centralnej ewidencji i informacji o działalności gospodarczej wraz z odpisem i pieczęcią urzędu"
			p, err := d.store.Register(d.ctx, pickup.Spec{What: what, Phone: "600100200", Email: "jan@example.pl", Lang: lang})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.store.Ready(d.ctx, p.ID, "112"); err != nil {
				t.Fatal(err)
			}
			number := booking.FormatCode(p.Number)
			for _, kind := range []string{outbox.PickupRegistered, outbox.PickupReady} {
				for _, ch := range []string{outbox.SMS, outbox.Email} {
					m := &outbox.Message{Channel: ch, Kind: kind, Lang: lang, PickupID: &p.ID}
					out, err := msgs.Compose(context.Background(), m)
					if err != nil {
						t.Fatalf("%s %s %s: %v", lang, kind, ch, err)
					}
					text := out.Text
					if !strings.Contains(text, number) {
						t.Errorf("%s %s %s: no number %s in %q", lang, kind, ch, number, text)
					}
					if kind == outbox.PickupReady && !strings.Contains(text, "112") {
						t.Errorf("%s %s %s: no room in %q", lang, kind, ch, text)
					}
					if kind == outbox.PickupRegistered && !strings.Contains(text, "https://urzad.example/odbior/"+number) {
						t.Errorf("%s %s %s: no status link in %q", lang, kind, ch, text)
					}
					if ch == outbox.SMS {
						if out.To != "+48600100200" {
							t.Errorf("SMS to %q", out.To)
						}
						enc, unicode := msgs.SMS.Encode(text)
						if parts := notify.SMSParts(enc, unicode); parts != 1 {
							t.Errorf("%s %s: %d parts: %q", lang, kind, parts, text)
						}
					} else if out.To != "jan@example.pl" || out.Subject == "" || !strings.Contains(out.HTML, number) {
						t.Errorf("%s %s e-mail: to %q, subject %q", lang, kind, out.To, out.Subject)
					}
				}
			}
			if lang == "pl" {
				// Seed 000's words, with a short document.
				short, err := d.store.Register(d.ctx, pickup.Spec{What: "zaświadczenie o wpisie do ewidencji", Phone: "600100200"})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := d.store.Ready(d.ctx, short.ID, "112"); err != nil {
					t.Fatal(err)
				}
				out, err := (&notify.Messages{DB: db, Clock: d.clock, Offices: d.offices, BaseURL: "https://urzad.example", SMS: notify.SMSLimits{Unicode: true, Parts: 2}}).
					Compose(context.Background(), &outbox.Message{Channel: outbox.SMS, Kind: outbox.PickupReady, Lang: "pl", PickupID: &short.ID})
				if err != nil || !strings.Contains(out.Text, "Proszę odebrać zaświadczenie o wpisie do ewidencji, pokój 112") {
					t.Fatalf("the SMS of seed 000: %q %v", out.Text, err)
				}
			}
			if _, err := d.store.Collected(d.ctx, p.ID); err != nil {
				t.Fatal(err)
			}
			late := &outbox.Message{Channel: outbox.SMS, Kind: outbox.PickupReady, Lang: lang, PickupID: &p.ID}
			if _, err := msgs.Compose(context.Background(), late); !notify.IsPermanent(err) {
				t.Fatalf("a ready message after collection: %v, want a permanent error", err)
			}
		}
	})
}
