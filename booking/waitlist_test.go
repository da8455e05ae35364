package booking_test

import (
	"context"
	"fmt"
	"regexp"
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
)

// waitWorld is a world whose matter has one slot a day (Tuesday
// 07:30–15:30) with capacity seats, each offer held 30 minutes; the
// Tuesday is made full by bookings of residents 1..capacity.
type waitWorld struct {
	*world
	slot    time.Time
	booked  []*booking.Booking
	entries map[int]*booking.WaitEntry // by resident
	tokens  map[int]string
}

func newWaitWorld(t *testing.T, db *gorm.DB, capacity int, tune func(*office.ServiceSpec)) *waitWorld {
	t.Helper()
	w := &waitWorld{world: newWorld(t, db, func(s *office.ServiceSpec) {
		s.SlotMinutes, s.Capacity, s.OfferMinutes = 480, capacity, 30
		if tune != nil {
			tune(s)
		}
	}), entries: map[int]*booking.WaitEntry{}, tokens: map[int]string{}}
	w.slot = w.at(1, 7, 30)
	for i := 1; i <= capacity; i++ {
		b, err := w.store.Book(context.Background(), w.request(i, w.slot))
		if err != nil {
			t.Fatal(err)
		}
		w.booked = append(w.booked, b)
	}
	return w
}

func (w *waitWorld) waitRequest(n int) booking.WaitRequest {
	return booking.WaitRequest{ServiceID: w.svc.ID, Day: w.day(1), Name: "Czekająca " + string(rune(0x41+n%26)), PESEL: pesel(n),
		Email: fmt.Sprintf("czeka%d@example.pl", n), Phone: "600 123 456", Consent: true}
}

func (w *waitWorld) join(t *testing.T, n int) *booking.WaitEntry {
	t.Helper()
	e, tok, err := w.store.JoinWaitlist(context.Background(), w.waitRequest(n))
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != booking.WaitWaiting || tok == "" {
		t.Fatalf("joined %+v token %q", e, tok)
	}
	w.entries[n], w.tokens[n] = e, tok
	return e
}

func (w *waitWorld) status(t *testing.T, n int) string {
	t.Helper()
	var e booking.WaitEntry
	if err := w.db.First(&e, w.entries[n].ID).Error; err != nil {
		t.Fatal(err)
	}
	return e.Status
}

func (w *waitWorld) offerOf(t *testing.T, n int) *booking.Offer {
	t.Helper()
	o, err := w.store.WaitOffer(context.Background(), w.entries[n].ID, w.tokens[n])
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (w *waitWorld) messages(t *testing.T, n int, kind string) int64 {
	t.Helper()
	var c int64
	if err := w.db.Model(&outbox.Message{}).Where("waitlist_id = ? AND kind = ?", w.entries[n].ID, kind).Count(&c).Error; err != nil {
		t.Fatal(err)
	}
	return c
}

// holding counts the bookings of the slot that hold a seat now.
func (w *waitWorld) holding(t *testing.T) int64 {
	return w.count(t, "starts_at = ? AND (status IN ('booked','checked_in') OR (status = 'pending' AND confirm_by > ?))", w.slot.UTC(), w.clock.Now().UTC())
}

func wantReason(t *testing.T, err error, reason string) {
	t.Helper()
	e := wantCode(t, err, okienko.ECONFLICT)
	if e.Fields["reason"] != reason {
		t.Fatalf("reason %q, want %q (%v)", e.Fields["reason"], reason, err)
	}
}

// Joining: bad input names every field and writes nothing; a day with a
// free seat or a closed day is refused; one entry per PESEL per matter and
// day; the joined get the message with the leave link.
func TestWaitlistJoin(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWaitWorld(t, db, 1, nil)
		_, _, err := w.store.JoinWaitlist(ctx, booking.WaitRequest{ServiceID: w.svc.ID, Day: w.day(1), Name: "", PESEL: "123", Email: "x", Phone: "12", Lang: "de"})
		e := wantCode(t, err, okienko.EINVALID)
		for _, f := range []string{"name", "pesel", "email", "phone", "consent", "lang"} {
			if e.Fields[f] == "" {
				t.Errorf("no error on %s: %v", f, e.Fields)
			}
		}
		r := w.waitRequest(5)
		r.Day = office.Date{Year: 2101, Month: 1, Day: 1}
		_, _, err = w.store.JoinWaitlist(ctx, r)
		if e := wantCode(t, err, okienko.EINVALID); e.Fields["date"] == "" {
			t.Fatalf("no date error: %v", e)
		}
		r = w.waitRequest(5)
		r.Day = w.day(2) // Wednesday: free
		_, _, err = w.store.JoinWaitlist(ctx, r)
		wantReason(t, err, "free")
		r.Day = w.day(5) // Saturday: closed
		_, _, err = w.store.JoinWaitlist(ctx, r)
		wantCode(t, err, okienko.EINVALID)
		r = w.waitRequest(5)
		r.ServiceID = 99999
		_, _, err = w.store.JoinWaitlist(ctx, r)
		wantCode(t, err, okienko.EINVALID)
		// The resident who booked that day can't wait for it too.
		_, _, err = w.store.JoinWaitlist(ctx, w.waitRequest(1))
		wantReason(t, err, "booked")
		var n int64
		db.Model(&booking.WaitEntry{}).Count(&n)
		if n != 0 {
			t.Fatalf("%d entries written by refused joins", n)
		}
		w.join(t, 2)
		_, _, err = w.store.JoinWaitlist(ctx, w.waitRequest(2))
		wantReason(t, err, "already_waiting")
		if w.messages(t, 2, outbox.WaitlistJoined) != 2 { // e-mail and SMS
			t.Fatal("no joined messages")
		}
		if _, err := w.store.WaitOffer(ctx, w.entries[2].ID, "wrong"); okienko.ErrorCode(err) != okienko.EFORBIDDEN {
			t.Fatalf("wrong token: %v", err)
		}
	})
}

// A cancellation offers the seat to the first in line in the same
// transaction: held for offer_minutes (the calendar counts it taken, the
// seat path refuses it to others), accepted with the held time into a
// booking with its code; every illegal step is refused.
func TestWaitlistOfferAccepted(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWaitWorld(t, db, 1, nil)
		w.join(t, 2)
		w.join(t, 3)
		_, err := w.store.AcceptOffer(ctx, w.entries[2].ID, w.tokens[2], w.slot)
		wantReason(t, err, "waiting")
		if _, err := w.store.CancelByCode(ctx, w.booked[0].Code, pesel(1)); err != nil {
			t.Fatal(err)
		}
		if s := w.status(t, 2); s != booking.WaitOffered {
			t.Fatalf("first in line %s, want offered", s)
		}
		if s := w.status(t, 3); s != booking.WaitWaiting {
			t.Fatalf("second in line %s, want waiting", s)
		}
		if f := w.freeAt(t, w.slot); f != 0 {
			t.Fatalf("the offered seat shows %d free", f)
		}
		if _, err := w.store.Book(ctx, w.request(9, w.slot)); okienko.ErrorCode(err) != okienko.ECONFLICT {
			t.Fatalf("the offered seat booked by another: %v", err)
		}
		o := w.offerOf(t, 2)
		if !o.Start.Equal(w.slot) || o.Until == nil || !o.Until.Equal(w.clock.Now().Add(30*time.Minute).UTC().Truncate(time.Microsecond)) {
			t.Fatalf("offer %+v", o)
		}
		if w.messages(t, 2, outbox.WaitlistOffer) != 2 {
			t.Fatal("no offer messages")
		}
		_, err = w.store.AcceptOffer(ctx, w.entries[2].ID, w.tokens[3], w.slot)
		wantCode(t, err, okienko.EFORBIDDEN)
		// The held booking is no booking to confirm by its code, even with
		// the entry's token: the limits are counted at acceptance only.
		var held booking.Booking
		if err := db.Where("status = 'pending' AND starts_at = ?", w.slot.UTC()).First(&held).Error; err != nil {
			t.Fatal(err)
		}
		_, err = w.store.Confirm(ctx, held.Code, w.tokens[2])
		wantCode(t, err, okienko.EFORBIDDEN)
		_, err = w.store.AcceptOffer(ctx, w.entries[2].ID, w.tokens[2], w.slot.Add(time.Hour))
		if e := wantCode(t, err, okienko.EINVALID); e.Fields["start"] == "" {
			t.Fatal(e)
		}
		_, err = w.store.AcceptOffer(ctx, w.entries[2].ID, "", time.Time{})
		if e := wantCode(t, err, okienko.EINVALID); e.Fields["token"] == "" || e.Fields["start"] == "" {
			t.Fatal(e)
		}
		_, err = w.store.AcceptOffer(ctx, w.entries[3].ID, w.tokens[3], w.slot)
		wantReason(t, err, "waiting")
		w.clock.Advance(10 * time.Minute)
		b, err := w.store.AcceptOffer(ctx, w.entries[2].ID, w.tokens[2], w.slot)
		if err != nil {
			t.Fatal(err)
		}
		if b.Status != booking.StatusBooked || b.Code == "" || !b.StartsAt.Equal(w.slot) {
			t.Fatalf("accepted %+v", b)
		}
		if got := w.stored(t, b.ID); got.Status != booking.StatusBooked {
			t.Fatalf("stored %s", got.Status)
		}
		var conf int64
		db.Model(&outbox.Message{}).Where("booking_id = ? AND kind = ?", b.ID, outbox.Confirmation).Count(&conf)
		if conf != 2 {
			t.Fatalf("%d confirmations queued", conf)
		}
		again, err := w.store.AcceptOffer(ctx, w.entries[2].ID, w.tokens[2], w.slot)
		if err != nil || again.ID != b.ID {
			t.Fatalf("accepted again: %v %v", again, err)
		}
		if s := w.status(t, 2); s != booking.WaitBooked {
			t.Fatalf("entry %s", s)
		}
		if o := w.offerOf(t, 2); o.Code != b.Code {
			t.Fatalf("offer of booked entry %+v", o)
		}
		_, err = w.store.CancelWaiting(ctx, w.entries[2].ID, w.tokens[2])
		wantReason(t, err, "booked")
		if w.holding(t) != 1 {
			t.Fatalf("%d seats held", w.holding(t))
		}
		w.wantLoadOfBookings(t)
	})
}

// An unanswered offer lapses (the clock advanced past offer_minutes): the
// job marks it expired and, in the same transaction, offers the seat to
// the next in line; the late acceptance is refused.
func TestWaitlistOfferExpires(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWaitWorld(t, db, 1, nil)
		w.join(t, 2)
		w.join(t, 3)
		if _, err := w.store.CancelByCode(ctx, w.booked[0].Code, pesel(1)); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(29 * time.Minute)
		if n, err := w.store.ExpirePending(ctx); err != nil || n != 0 {
			t.Fatalf("expired %d early: %v", n, err)
		}
		w.clock.Advance(time.Minute)
		if o := w.offerOf(t, 2); o.Entry.Status != booking.WaitExpired {
			t.Fatalf("lapsed offer reads %s", o.Entry.Status)
		}
		if n, err := w.store.ExpirePending(ctx); err != nil || n != 1 {
			t.Fatalf("expired %d: %v", n, err)
		}
		if s := w.status(t, 2); s != booking.WaitExpired {
			t.Fatalf("first %s", s)
		}
		if s := w.status(t, 3); s != booking.WaitOffered {
			t.Fatalf("next %s, want offered", s)
		}
		_, err := w.store.AcceptOffer(ctx, w.entries[2].ID, w.tokens[2], w.slot)
		wantReason(t, err, "expired")
		_, err = w.store.CancelWaiting(ctx, w.entries[2].ID, w.tokens[2])
		wantReason(t, err, "expired")
		if _, err := w.store.AcceptOffer(ctx, w.entries[3].ID, w.tokens[3], w.slot); err != nil {
			t.Fatal(err)
		}
		if w.holding(t) != 1 {
			t.Fatal("seats held")
		}
	})
}

// Leaving: a waiting entry leaves; an offered one declines and the seat
// passes at once to the next; leaving twice is refused.
func TestWaitlistCancel(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWaitWorld(t, db, 1, nil)
		w.join(t, 2)
		w.join(t, 3)
		w.join(t, 4)
		_, err := w.store.CancelWaiting(ctx, w.entries[2].ID, "")
		wantCode(t, err, okienko.EINVALID)
		_, err = w.store.CancelWaiting(ctx, 424242, w.tokens[2])
		wantCode(t, err, okienko.ENOTFOUND)
		if _, err := w.store.CancelWaiting(ctx, w.entries[2].ID, w.tokens[2]); err != nil {
			t.Fatal(err)
		}
		_, err = w.store.CancelWaiting(ctx, w.entries[2].ID, w.tokens[2])
		wantReason(t, err, "cancelled")
		if _, err := w.store.CancelByCode(ctx, w.booked[0].Code, pesel(1)); err != nil {
			t.Fatal(err)
		}
		if s := w.status(t, 3); s != booking.WaitOffered {
			t.Fatalf("3 is %s, want offered (2 left)", s)
		}
		if _, err := w.store.CancelWaiting(ctx, w.entries[3].ID, w.tokens[3]); err != nil {
			t.Fatal(err)
		}
		if s := w.status(t, 4); s != booking.WaitOffered {
			t.Fatalf("4 is %s, want offered (3 declined)", s)
		}
		_, err = w.store.AcceptOffer(ctx, w.entries[3].ID, w.tokens[3], w.slot)
		wantReason(t, err, "cancelled")
		if w.holding(t) != 1 {
			t.Fatalf("%d held", w.holding(t))
		}
		lines, err := w.store.DayWaitlist(ctx, w.svc.ID, w.day(1))
		if err != nil || len(lines) != 3 || lines[2].Status != booking.WaitOffered || lines[2].OfferUntil == nil || lines[0].Status != booking.WaitCancelled {
			t.Fatalf("day's list %+v %v", lines, err)
		}
	})
}

// A capacity raised frees seats no cancellation announced: the scan offers
// them to the first in line, one each.
func TestWaitlistCapacityRaised(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWaitWorld(t, db, 1, nil)
		for n := 2; n <= 5; n++ {
			w.join(t, n)
		}
		if _, err := w.offices.UpdateService(ctx, w.svc.ID, func(s *office.ServiceSpec) error { s.Capacity = 3; return nil }); err != nil {
			t.Fatal(err)
		}
		n, err := w.store.OfferFree(ctx)
		if err != nil || n != 2 {
			t.Fatalf("offered %d: %v", n, err)
		}
		for n, want := range map[int]string{2: booking.WaitOffered, 3: booking.WaitOffered, 4: booking.WaitWaiting, 5: booking.WaitWaiting} {
			if s := w.status(t, n); s != want {
				t.Fatalf("%d is %s, want %s", n, s, want)
			}
		}
		if n, _ := w.store.OfferFree(ctx); n != 0 {
			t.Fatalf("offered %d more", n)
		}
	})
}

// The limits hold at acceptance: a resident with as many upcoming bookings
// as allowed can't accept (the offer stays until its deadline).
func TestWaitlistAcceptLimits(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWaitWorld(t, db, 1, func(s *office.ServiceSpec) { s.MaxActivePerPESEL = 1 })
		w.join(t, 2)
		if _, err := w.store.Book(ctx, w.request(2, w.at(2, 7, 30))); err != nil {
			t.Fatal(err)
		}
		if _, err := w.store.CancelByCode(ctx, w.booked[0].Code, pesel(1)); err != nil {
			t.Fatal(err)
		}
		_, err := w.store.AcceptOffer(ctx, w.entries[2].ID, w.tokens[2], w.slot)
		wantReason(t, err, "limit")
		if s := w.status(t, 2); s != booking.WaitOffered {
			t.Fatalf("entry %s", s)
		}
	})
}

// Two seats freed at once: the first two in line get offers, the third
// waits; with everyone accepting and strangers booking meanwhile, never
// more seats held than the capacity.
func TestWaitlistRaceTwoSeatsFreed(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWaitWorld(t, db, 2, nil)
		for n := 3; n <= 5; n++ {
			w.join(t, n)
		}
		var wg sync.WaitGroup
		for i, b := range w.booked {
			wg.Add(2)
			go func() {
				defer wg.Done()
				if _, err := w.store.CancelByCode(ctx, b.Code, pesel(i+1)); err != nil {
					t.Error(err)
				}
			}()
			go func() {
				defer wg.Done()
				w.store.Book(ctx, w.request(20+i, w.slot)) // a stranger tries the same seat
			}()
		}
		wg.Wait()
		if h := w.holding(t); h != 2 {
			t.Fatalf("%d seats held, capacity 2", h)
		}
		offered := 0
		for n := 3; n <= 5; n++ {
			if w.status(t, n) == booking.WaitOffered {
				offered++
			}
		}
		// Each seat is offered in the transaction that frees it: no
		// stranger ever sees it free, and the first two are offered.
		strangers := w.count(t, "status = 'booked' AND starts_at = ?", w.slot.UTC())
		if offered != 2 || strangers != 0 {
			t.Fatalf("%d offered, %d strangers booked", offered, strangers)
		}
		if w.status(t, 3) != booking.WaitOffered || w.status(t, 4) != booking.WaitOffered {
			t.Fatal("one of the first two in line was skipped")
		}
		for n := 3; n <= 5; n++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w.store.AcceptOffer(ctx, w.entries[n].ID, w.tokens[n], w.slot)
			}()
		}
		wg.Wait()
		if b := w.count(t, "status = 'booked' AND starts_at = ?", w.slot.UTC()); b != 2 {
			t.Fatalf("%d booked, capacity 2", b)
		}
		if s := w.status(t, 5); s != booking.WaitWaiting {
			t.Fatalf("the third is %s", s)
		}
		w.wantLoadOfBookings(t)
	})
}

// One seat freed while two on the list accept at once (the first has an
// offer, the second has none yet) and a stranger books: the first's offer
// becomes its booking, the freed seat goes to the second (never to the
// stranger: it is offered in the transaction that frees it), the third
// still waits; never more seats held than the capacity, nobody skipped.
func TestWaitlistRaceOneSeatTwoAccepting(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWaitWorld(t, db, 2, nil)
		w.join(t, 3)
		w.join(t, 4)
		w.join(t, 5)
		if _, err := w.store.CancelByCode(ctx, w.booked[0].Code, pesel(1)); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		wg.Add(4)
		go func() {
			defer wg.Done()
			_, errs[0] = w.store.CancelByCode(ctx, w.booked[1].Code, pesel(2))
		}()
		for i, n := range []int{3, 4} {
			go func() {
				defer wg.Done()
				_, errs[1+i] = w.store.AcceptOffer(ctx, w.entries[n].ID, w.tokens[n], w.slot)
			}()
		}
		go func() {
			defer wg.Done()
			_, errs[3] = w.store.Book(ctx, w.request(30, w.slot))
		}()
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("cancel %v, first in line accepting %v", errs[0], errs[1])
		}
		wantCode(t, errs[3], okienko.ECONFLICT)
		if h := w.holding(t); h != 2 {
			t.Fatalf("%d seats held, capacity 2", h)
		}
		if s := w.status(t, 3); s != booking.WaitBooked {
			t.Fatalf("first is %s", s)
		}
		switch s := w.status(t, 4); {
		case s == booking.WaitBooked && errs[2] == nil:
		case s == booking.WaitOffered:
			wantReason(t, errs[2], "waiting") // accepted before its offer came
			if _, err := w.store.AcceptOffer(ctx, w.entries[4].ID, w.tokens[4], w.slot); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("second is %s (%v)", s, errs[2])
		}
		if s := w.status(t, 5); s != booking.WaitWaiting {
			t.Fatalf("third is %s", s)
		}
		if b := w.count(t, "status = 'booked' AND starts_at = ?", w.slot.UTC()); b != 2 {
			t.Fatalf("%d booked, capacity 2", b)
		}
		w.wantLoadOfBookings(t)
	})
}

// The waitlist's messages, in each language and on each channel: the
// joined one and the offer carry the link of the entry's page with a token
// that opens it; the offer names the held time and its deadline; the SMS
// fit two parts; an offer that lapsed is not sent (permanent).
func TestWaitlistMessages(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWaitWorld(t, db, 1, nil)
		langs := []string{"pl", "en", "uk"}
		for i, lang := range langs {
			r := w.waitRequest(2 + i)
			r.Lang = lang
			e, tok, err := w.store.JoinWaitlist(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			w.entries[2+i], w.tokens[2+i] = e, tok
		}
		if _, err := w.store.CancelByCode(ctx, w.booked[0].Code, pesel(1)); err != nil {
			t.Fatal(err)
		}
		const base = "https://urzad.example"
		msgs := &notify.Messages{DB: db, Clock: w.clock, Offices: w.offices, BaseURL: base, Bookings: w.store, SMS: notify.SMSLimits{Parts: 2, Unicode: true}}
		linkRe := regexp.MustCompile(regexp.QuoteMeta(base) + `/lista/([0-9]+)\?token=([A-Za-z0-9_-]+)`)
		wantLink := func(n int, text string) {
			t.Helper()
			m := linkRe.FindStringSubmatch(text)
			if m == nil || m[1] != fmt.Sprint(w.entries[n].ID) || m[2] != w.tokens[n] {
				t.Fatalf("no link of entry %d in %q", w.entries[n].ID, text)
			}
		}
		offerWords := map[string]string{"pl": "czeka", "en": "held", "uk": "чекає"}
		for i, lang := range langs {
			n := 2 + i
			kinds := []string{outbox.WaitlistJoined}
			if i == 0 {
				kinds = append(kinds, outbox.WaitlistOffer)
			}
			for _, kind := range kinds {
				var ms []outbox.Message
				if err := db.Where("waitlist_id = ? AND kind = ?", w.entries[n].ID, kind).Find(&ms).Error; err != nil || len(ms) != 2 {
					t.Fatalf("%s %s: %d messages %v", lang, kind, len(ms), err)
				}
				for _, m := range ms {
					if m.Lang != lang {
						t.Fatalf("%s message in %s", lang, m.Lang)
					}
					out, err := msgs.Compose(ctx, &m)
					if err != nil {
						t.Fatalf("%s %s %s: %v", lang, kind, m.Channel, err)
					}
					wantLink(n, out.Text)
					if m.Channel == outbox.Email {
						if !strings.Contains(out.HTML, w.tokens[n]) || out.Subject == "" || out.To != fmt.Sprintf("czeka%d@example.pl", n) {
							t.Fatalf("%s %s e-mail: %+v", lang, kind, out)
						}
					}
					if kind == outbox.WaitlistOffer {
						if !strings.Contains(out.Text, "07:30") || !strings.Contains(strings.ToLower(out.Text), offerWords[lang]) {
							t.Fatalf("%s offer %s: %q", lang, m.Channel, out.Text)
						}
					}
				}
			}
		}
		w.clock.Advance(31 * time.Minute)
		var offer outbox.Message
		db.Where("waitlist_id = ? AND kind = ? AND channel = ?", w.entries[2].ID, outbox.WaitlistOffer, outbox.Email).First(&offer)
		if _, err := msgs.Compose(ctx, &offer); !notify.IsPermanent(err) {
			t.Fatalf("a lapsed offer composed: %v", err)
		}
	})
}

// A move frees the span it leaves: the first waiting for that day is
// offered it at once. A day that passed ends its waiting as expired, and
// the entries' personal data are erased after the retention.
func TestWaitlistMoveDayPassedErased(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWaitWorld(t, db, 1, nil)
		w.join(t, 2)
		w.join(t, 3)
		if _, err := w.store.Reschedule(ctx, w.booked[0].Code, pesel(1), w.at(2, 7, 30)); err != nil {
			t.Fatal(err)
		}
		if s := w.status(t, 2); s != booking.WaitOffered {
			t.Fatalf("after the move the first is %s", s)
		}
		if w.holding(t) != 1 {
			t.Fatal("seats held")
		}
		w.clock.Set(w.at(2, 8, 0)) // Wednesday: Tuesday has passed
		if _, err := w.store.ExpirePending(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := w.store.OfferFree(ctx); err != nil {
			t.Fatal(err)
		}
		for n, want := range map[int]string{2: booking.WaitExpired, 3: booking.WaitExpired} {
			if s := w.status(t, n); s != want {
				t.Fatalf("%d is %s, want %s", n, s, want)
			}
		}
		if n, err := w.store.EraseWaitlist(ctx, 7*24*time.Hour); err != nil || n != 0 {
			t.Fatalf("erased %d within the retention: %v", n, err)
		}
		w.clock.Set(w.at(10, 8, 0))
		if n, err := w.store.EraseWaitlist(ctx, 7*24*time.Hour); err != nil || n != 2 {
			t.Fatalf("erased %d: %v", n, err)
		}
		var e booking.WaitEntry
		db.First(&e, w.entries[2].ID)
		if e.Name != nil || e.Email != nil || e.PESELHMAC != nil || e.Phone != nil || e.ErasedAt == nil {
			t.Fatalf("not erased: %+v", e)
		}
	})
}

// Two seats of one day freed at once in different slots (different seat
// cells, so not serialised by the seat locks): both cancellations succeed,
// the first two in line get one offer each, the third waits. Four days,
// one race each.
func TestWaitlistRaceTwoSlotsFreed(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWaitWorld(t, db, 1, func(s *office.ServiceSpec) { s.SlotMinutes = 240 })
		resident := 100
		next := func() int { resident++; return resident }
		for d := 1; d <= 4; d++ {
			var taken []*booking.Booking
			var owners []int
			for _, hh := range []int{7, 11} {
				if d == 1 && hh == 7 {
					taken, owners = append(taken, w.booked[0]), append(owners, 1)
					continue
				}
				n := next()
				b, err := w.store.Book(ctx, w.request(n, w.at(d, hh, 30)))
				if err != nil {
					t.Fatal(err)
				}
				taken, owners = append(taken, b), append(owners, n)
			}
			var line []*booking.WaitEntry
			for range 3 {
				r := w.waitRequest(next())
				r.PESEL, r.Day = pesel(resident), w.day(d)
				e, _, err := w.store.JoinWaitlist(ctx, r)
				if err != nil {
					t.Fatal(err)
				}
				line = append(line, e)
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, b := range taken {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = w.store.CancelByCode(ctx, b.Code, pesel(owners[i]))
				}()
			}
			wg.Wait()
			if errs[0] != nil || errs[1] != nil {
				t.Fatalf("day %d: cancellations %v", d, errs)
			}
			for i, want := range []string{booking.WaitOffered, booking.WaitOffered, booking.WaitWaiting} {
				var e booking.WaitEntry
				if err := db.First(&e, line[i].ID).Error; err != nil || e.Status != want {
					t.Fatalf("day %d: %d in line is %s, want %s (%v)", d, i+1, e.Status, want, err)
				}
			}
			if h := w.count(t, "day = ? AND status = 'pending' AND confirm_by > ?", w.day(d), w.clock.Now().UTC()); h != 2 {
				t.Fatalf("day %d: %d offers held", d, h)
			}
		}
	})
}
