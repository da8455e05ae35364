package queue_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/queue"
)

// allowRemote lets svc take perDay remote tickets a day.
func (h *hall) allowRemote(t testing.TB, svc *office.Service, perDay int, arrivalFirst bool) {
	t.Helper()
	got, err := h.offices.UpdateService(context.Background(), svc.ID, func(s *office.ServiceSpec) error {
		s.RemoteTicketsPerDay, s.RemoteArrivalRequired = perDay, arrivalFirst
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	*svc = *got
}

func (h *hall) remote(t testing.TB, svc *office.Service, phone, email string) *queue.Ticket {
	t.Helper()
	tk, err := h.q.IssueRemote(context.Background(), queue.RemoteSpec{ServiceID: svc.ID, Phone: phone, Email: email})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func outboxCount(t testing.TB, db *gorm.DB, ticketID int64, kind, channel string) int64 {
	t.Helper()
	var n int64
	if err := db.Table("outbox").Where("ticket_id = ? AND kind = ? AND channel = ?", ticketID, kind, channel).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// Remote tickets are numbered DE01, DE02… apart from walk-ins, stand in the
// queue from their issue, and are called like any other.
func TestRemoteNumbering(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		ctx := context.Background()
		h.allowRemote(t, h.a, 10, false)
		w1 := h.walkIn(t, h.a, false)
		h.clock.Advance(time.Minute)
		r1 := h.remote(t, h.a, "600 100 200", "")
		h.clock.Advance(time.Minute)
		w2 := h.walkIn(t, h.a, false)
		h.clock.Advance(time.Minute)
		r2 := h.remote(t, h.a, "", "Ala+queue@Example.com")
		if r1.Number != "DE01" || r2.Number != "DE02" || w1.Number != "D001" || w2.Number != "D002" {
			t.Fatalf("numbers %s %s %s %s, want D001 DE01 D002 DE02", w1.Number, r1.Number, w2.Number, r2.Number)
		}
		if r1.Kind != queue.KindRemote || r1.ArrivedAt != nil {
			t.Fatalf("remote ticket: kind %q, arrived %v", r1.Kind, r1.ArrivedAt)
		}
		if ahead, _, err := h.q.Position(ctx, r2); err != nil || ahead != 3 {
			t.Fatalf("the second remote ticket has %d ahead (%v), want 3", ahead, err)
		}
		counter, user := h.clerk(t, 1, h.a.ID)
		var order []string
		for range 4 {
			tk, err := h.q.CallNext(ctx, counter, user)
			if err != nil {
				t.Fatal(err)
			}
			order = append(order, tk.Number)
			if _, err := h.q.Act(ctx, tk.ID, user, queue.ActStart, ""); err != nil {
				t.Fatal(err)
			}
		}
		if fmt.Sprint(order) != "[D001 DE01 D002 DE02]" {
			t.Fatalf("called %v, want in the order of issue", order)
		}
	})
}

// A matter that takes no remote tickets, a department not issuing, bad
// contacts: refused naming the field, nothing written.
func TestRemoteRefusals(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		ctx := context.Background()
		cases := []struct {
			name  string
			spec  queue.RemoteSpec
			code  string
			field string
		}{
			{"matter off", queue.RemoteSpec{ServiceID: h.a.ID, Phone: "600100200"}, okienko.EINVALID, "service_id"},
			{"no contact", queue.RemoteSpec{ServiceID: h.b.ID}, okienko.EINVALID, "phone"},
			{"bad phone", queue.RemoteSpec{ServiceID: h.b.ID, Phone: "12"}, okienko.EINVALID, "phone"},
			{"bad e-mail", queue.RemoteSpec{ServiceID: h.b.ID, Email: "nobody"}, okienko.EINVALID, "email"},
			{"bad lang", queue.RemoteSpec{ServiceID: h.b.ID, Phone: "600100200", Lang: "de"}, okienko.EINVALID, "lang"},
			{"unknown matter", queue.RemoteSpec{ServiceID: 999999, Phone: "600100200"}, okienko.EINVALID, "service_id"},
		}
		h.allowRemote(t, h.b, 5, false)
		for _, c := range cases {
			_, err := h.q.IssueRemote(ctx, c.spec)
			var ae *okienko.Error
			if code(err) != c.code || !asError(err, &ae) || ae.Fields[c.field] == "" {
				t.Errorf("%s: %v, want %s naming %s", c.name, err, c.code, c.field)
			}
		}
		// 19:00 closes, the last ticket 15 minutes before.
		h.clock.Set(h.w.At(0, 18, 50))
		if _, err := h.q.IssueRemote(ctx, queue.RemoteSpec{ServiceID: h.b.ID, Phone: "600100200"}); code(err) != okienko.ECONFLICT {
			t.Errorf("after the last ticket: %v, want a conflict", err)
		}
		var n int64
		db.Table("tickets").Count(&n)
		if n != 0 {
			t.Fatalf("%d tickets written by refused requests", n)
		}
		var seqs int64
		db.Table("ticket_sequences").Count(&seqs)
		if seqs != 0 {
			t.Fatalf("a refused request took a number")
		}
	})
}

func asError(err error, target **okienko.Error) bool {
	ae, ok := err.(*okienko.Error)
	if ok {
		*target = ae
	}
	return ok
}

// One remote ticket per phone and per e-mail (as bookings key it) a day,
// across matters; the next day again.
func TestRemoteOnePerContactPerDay(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		ctx := context.Background()
		h.allowRemote(t, h.a, 10, false)
		h.allowRemote(t, h.b, 10, false)
		h.remote(t, h.a, "+48 600-100-200", "")
		h.remote(t, h.a, "", "jan.kowalski+urzad@example.com")
		for _, c := range []struct {
			spec  queue.RemoteSpec
			field string
		}{
			{queue.RemoteSpec{ServiceID: h.b.ID, Phone: "600100200"}, "phone"},
			{queue.RemoteSpec{ServiceID: h.a.ID, Email: "JAN.KOWALSKI@example.com"}, "email"},
			{queue.RemoteSpec{ServiceID: h.b.ID, Phone: "600999999", Email: "jan.kowalski+inne@EXAMPLE.com"}, "email"},
		} {
			_, err := h.q.IssueRemote(ctx, c.spec)
			var ae *okienko.Error
			if code(err) != okienko.ECONFLICT || !asError(err, &ae) || ae.Fields[c.field] == "" || ae.Fields["reason"] != "already_queued" {
				t.Errorf("%+v: %v, want a conflict naming %s", c.spec, err, c.field)
			}
		}
		h.clock.Advance(24 * time.Hour)
		if tk := h.remote(t, h.b, "600100200", "jan.kowalski@example.com"); tk.Number != "DE01" {
			t.Fatalf("the next day's first remote ticket is %s", tk.Number)
		}
		// The day before's addresses are erased with the phones.
		if n, err := h.q.ForgetPhones(ctx); err != nil || n != 2 {
			t.Fatalf("ForgetPhones = %d, %v; want the 2 remote tickets of the day before", n, err)
		}
		var left int64
		db.Table("tickets").Where("day < ? AND (phone IS NOT NULL OR email IS NOT NULL OR email_key IS NOT NULL)", h.w.Day(1)).Count(&left)
		if left != 0 {
			t.Fatalf("%d tickets of the day before keep an address", left)
		}
	})
}

// More requests than the day's cap at once: exactly the cap succeed, the
// rest are told the places are taken.
func TestRemoteCapRace(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		const limit, tries = 5, 24
		h.allowRemote(t, h.a, limit, false)
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, full := 0, 0
		var other []error
		start := make(chan struct{})
		for i := range tries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := h.q.IssueRemote(context.Background(), queue.RemoteSpec{ServiceID: h.a.ID, Phone: fmt.Sprintf("+48600200%03d", i)})
				mu.Lock()
				defer mu.Unlock()
				var ae *okienko.Error
				switch {
				case err == nil:
					ok++
				case asError(err, &ae) && ae.Fields["reason"] == "remote_full":
					full++
				default:
					other = append(other, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if ok != limit || full != tries-limit || len(other) > 0 {
			t.Fatalf("%d issued, %d full, errors %v; want %d and %d", ok, full, other, limit, tries-limit)
		}
		var numbers []string
		db.Table("tickets").Where("kind = 'remote'").Order("number").Pluck("number", &numbers)
		if fmt.Sprint(numbers) != "[DE01 DE02 DE03 DE04 DE05]" {
			t.Fatalf("numbers %v", numbers)
		}
	})
}

// With remote_arrival_required a remote ticket not yet arrived is passed
// over by call next, keeps its place, and is called first once arrived;
// checking in again changes nothing.
func TestRemoteArrivalRequired(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		ctx := context.Background()
		h.allowRemote(t, h.a, 10, true)
		r := h.remote(t, h.a, "600100200", "")
		h.clock.Advance(time.Minute)
		w1 := h.walkIn(t, h.a, false)
		w2 := h.walkIn(t, h.a, false)
		counter, user := h.clerk(t, 1, h.a.ID)
		next := func() *queue.Ticket {
			t.Helper()
			tk, err := h.q.CallNext(ctx, counter, user)
			if err != nil {
				t.Fatal(err)
			}
			if tk != nil {
				if _, err := h.q.Act(ctx, tk.ID, user, queue.ActStart, ""); err != nil {
					t.Fatal(err)
				}
			}
			return tk
		}
		if tk := next(); tk.ID != w1.ID {
			t.Fatalf("called %s, want %s: the remote holder has not arrived", tk.Number, w1.Number)
		}
		if _, err := h.q.CallTicket(ctx, counter, user, r.ID); code(err) != okienko.ECONFLICT {
			t.Fatalf("calling the absent remote ticket by hand: %v, want a conflict", err)
		}
		if _, err := h.q.Arrive(ctx, w2.PublicID); code(err) != okienko.EINVALID {
			t.Fatalf("a walk-in checked in as remote: %v", err)
		}
		if _, err := h.q.Arrive(ctx, "nosuchticket0000"); code(err) != okienko.ENOTFOUND {
			t.Fatalf("an unknown ticket: %v", err)
		}
		got, err := h.q.Arrive(ctx, r.PublicID)
		if err != nil || got.ArrivedAt == nil || !got.ArrivedAt.Equal(h.clock.Now()) {
			t.Fatalf("Arrive = %+v, %v", got, err)
		}
		h.clock.Advance(time.Minute)
		again, err := h.q.Arrive(ctx, r.PublicID)
		if err != nil || !again.ArrivedAt.Equal(*got.ArrivedAt) {
			t.Fatalf("checking in again: %+v, %v", again, err)
		}
		if tk := next(); tk.ID != r.ID {
			t.Fatalf("called %s, want the arrived remote ticket %s first (its place kept)", tk.Number, r.Number)
		}
		if tk := next(); tk.ID != w2.ID {
			t.Fatalf("called %s, want %s", tk.Number, w2.Number)
		}
		var arrived int
		for _, e := range h.events {
			if e.Type == queue.EventArrived {
				arrived++
			}
		}
		if arrived != 1 {
			t.Fatalf("%d arrival events, want 1", arrived)
		}
	})
}

// Without remote_arrival_required a remote ticket is called in its turn,
// arrived or not.
func TestRemoteCalledWithoutArrival(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		ctx := context.Background()
		h.allowRemote(t, h.a, 10, false)
		r := h.remote(t, h.a, "600100200", "")
		h.walkIn(t, h.a, false)
		counter, user := h.clerk(t, 1, h.a.ID)
		if tk, err := h.q.CallNext(ctx, counter, user); err != nil || tk.ID != r.ID {
			t.Fatalf("CallNext = %+v, %v; want the remote ticket", tk, err)
		}
	})
}

// The holder is told once when 3 are ahead and once when called: by SMS
// with a phone, by e-mail with only an e-mail, in their language.
func TestRemoteMessages(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		ctx := context.Background()
		h.allowRemote(t, h.a, 10, false)
		for range 5 {
			h.walkIn(t, h.a, false)
		}
		byPhone := h.remote(t, h.a, "600100200", "")
		byMail, err := h.q.IssueRemote(ctx, queue.RemoteSpec{ServiceID: h.a.ID, Email: "ola@example.com", Lang: "uk"})
		if err != nil {
			t.Fatal(err)
		}
		counter, user := h.clerk(t, 1, h.a.ID)
		for call := 1; call <= 7; call++ {
			tk, err := h.q.CallNext(ctx, counter, user)
			if err != nil {
				t.Fatal(err)
			}
			if tk.ID == byMail.ID {
				// Recalled: still one message.
				if _, err := h.q.Act(ctx, tk.ID, user, queue.ActRecall, ""); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := h.q.Act(ctx, tk.ID, user, queue.ActStart, ""); err != nil {
				t.Fatal(err)
			}
			// 5 walk-ins ahead of byPhone: 3 ahead after the 2nd call.
			wantNear := int64(0)
			if call >= 2 {
				wantNear = 1
			}
			if n := outboxCount(t, db, byPhone.ID, "turn_near", "sms"); n != wantNear {
				t.Fatalf("after call %d: %d turn-near SMS, want %d", call, n, wantNear)
			}
			wantCalled := int64(0)
			if call >= 6 {
				wantCalled = 1
			}
			if n := outboxCount(t, db, byPhone.ID, "ticket_called", "sms"); n != wantCalled {
				t.Fatalf("after call %d: %d called SMS, want %d", call, n, wantCalled)
			}
		}
		if n := outboxCount(t, db, byMail.ID, "turn_near", "email"); n != 1 {
			t.Fatalf("%d turn-near e-mails to the e-mail-only ticket, want 1", n)
		}
		if n := outboxCount(t, db, byMail.ID, "ticket_called", "email"); n != 1 {
			t.Fatalf("%d called e-mails, want 1", n)
		}
		if n := outboxCount(t, db, byMail.ID, "turn_near", "sms") + outboxCount(t, db, byMail.ID, "ticket_called", "sms"); n != 0 {
			t.Fatalf("SMS queued for a ticket without a phone")
		}
		var lang string
		db.Table("outbox").Select("lang").Where("ticket_id = ? AND kind = 'ticket_called'", byMail.ID).Scan(&lang)
		if lang != "uk" {
			t.Fatalf("the called e-mail is in %q, want uk", lang)
		}
	})
}

// What the resident sees before joining: the people ahead and the wait of
// a ticket issued now, and why they can't join when they can't.
func TestOfferRemote(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		ctx := context.Background()
		o, err := h.q.OfferRemote(ctx, h.a)
		if err != nil || o.Open || o.Reason != queue.RemoteOff {
			t.Fatalf("off: %+v, %v", o, err)
		}
		h.allowRemote(t, h.a, 2, false)
		h.walkIn(t, h.a, false)
		h.walkIn(t, h.a, false)
		o, err = h.q.OfferRemote(ctx, h.a)
		if err != nil || !o.Open || o.PeopleAhead != 2 || o.Left != 2 || o.Wait != 2*time.Duration(h.a.SlotMinutes)*time.Minute {
			t.Fatalf("open: %+v, %v; want 2 ahead, 2 left, %d minutes", o, err, 2*h.a.SlotMinutes)
		}
		tk := h.remote(t, h.a, "600100200", "")
		if ahead, _, _ := h.q.Position(ctx, tk); ahead != o.PeopleAhead {
			t.Fatalf("the ticket has %d ahead, the offer said %d", ahead, o.PeopleAhead)
		}
		h.remote(t, h.a, "600100300", "")
		if o, _ = h.q.OfferRemote(ctx, h.a); o.Open || o.Reason != queue.RemoteFull || o.PeopleAhead != 4 {
			t.Fatalf("full: %+v", o)
		}
		h.clock.Set(h.w.At(0, 18, 50))
		if o, _ = h.q.OfferRemote(ctx, h.a); o.Open || o.Reason != queue.RemoteClosed || o.OpensAt == nil {
			t.Fatalf("closed: %+v", o)
		}
	})
}

// The open data count the waiting remote tickets apart, among the waiting.
func TestOpenDataCountsRemoteApart(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		ctx := context.Background()
		h.allowRemote(t, h.a, 10, false)
		h.walkIn(t, h.a, false)
		h.remote(t, h.a, "600100200", "")
		h.remote(t, h.a, "", "ola@example.com")
		h.walkIn(t, h.b, false)
		data, err := h.q.OpenData(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64][2]int{}
		for _, s := range data.Services {
			got[s.ServiceID] = [2]int{s.Waiting, s.WaitingRemote}
		}
		if got[h.a.ID] != [2]int{3, 2} || got[h.b.ID] != [2]int{1, 0} {
			t.Fatalf("waiting (all, remote): A %v, B %v; want [3 2] and [1 0]", got[h.a.ID], got[h.b.ID])
		}
	})
}
