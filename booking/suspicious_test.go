package booking_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/booking/bookingtest"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
)

// peselBorn is the valid PESEL of birth date yymmdd (the month as PESEL
// writes it: +20 for the 2000s) and serial.
func peselBorn(yymmdd string, serial int) string {
	return bookingtest.PESEL(fmt.Sprintf("%s%04d", yymmdd, serial))
}

// suspectWorld is a world with seats enough for crowds, and a way to book
// at a given moment from a given address.
type suspectWorld struct {
	*world
	n int // residents so far
}

func newSuspectWorld(t *testing.T, db *gorm.DB) *suspectWorld {
	return &suspectWorld{world: newWorld(t, db, func(s *office.ServiceSpec) { s.Capacity = 100 })}
}

// book books, at the clock's moment advanced by after, a visit on day 2
// for a new resident from addr with email and pesel ("" for a resident's
// own PESEL and an e-mail at a big free provider).
func (w *suspectWorld) book(t *testing.T, after time.Duration, addr, email, pesel string) *booking.Booking {
	t.Helper()
	w.n++
	w.clock.Advance(after)
	r := w.request(w.n, w.at(2, 9, 0).Add(time.Duration(w.n%24)*15*time.Minute))
	r.ClientAddr = addr
	if pesel != "" {
		r.PESEL = pesel
	}
	r.Email = email
	if email == "" {
		r.Email = fmt.Sprintf("jan.nowak%d@gmail.com", w.n)
	}
	b, err := w.store.Book(context.Background(), r)
	if err != nil {
		t.Fatalf("book %d: %v", w.n, err)
	}
	return b
}

func codesOf(bs []*booking.Booking) []string {
	var out []string
	for _, b := range bs {
		out = append(out, booking.FormatCode(b.Code))
	}
	slices.Sort(out)
	return out
}

func groupCodes(g booking.SuspectGroup) []string {
	var out []string
	for _, b := range g.Bookings {
		out = append(out, b.Code)
	}
	slices.Sort(out)
	return out
}

// A hoarder's bursts from one address, from many addresses of one /64, with
// one e-mail domain and with PESELs of one birth date each show up as a
// group; ordinary residents, a family behind one address among them, don't.
func TestSuspiciousGroups(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newSuspectWorld(t, db)
		ctx := context.Background()
		var ordinary, burst1, burst2, net64, domain, born []*booking.Booking
		for i := 0; i < 10; i++ {
			ordinary = append(ordinary, w.book(t, 3*time.Minute, fmt.Sprintf("192.0.2.%d", 10+i), "", ""))
		}
		// A family of three behind one address, in five minutes.
		for i := 0; i < 3; i++ {
			ordinary = append(ordinary, w.book(t, 2*time.Minute, "198.51.100.77", fmt.Sprintf("kowalscy%d@rodzina.pl", i), ""))
		}
		for i := 0; i < 6; i++ { // 6 in 0.5 s
			burst1 = append(burst1, w.book(t, 100*time.Millisecond, "203.0.113.7", "", ""))
		}
		w.clock.Advance(2 * time.Hour)
		for i := 0; i < 5; i++ { // again, a minute apart
			burst2 = append(burst2, w.book(t, time.Minute, "::ffff:203.0.113.7", "", ""))
		}
		w.clock.Advance(time.Hour)
		for i := 0; i < 6; i++ {
			net64 = append(net64, w.book(t, 90*time.Second, fmt.Sprintf("2001:db8:1:2::%x", 0x10+i*7), "", ""))
		}
		for i := 0; i < 6; i++ { // an hour apart, each from elsewhere
			domain = append(domain, w.book(t, time.Hour, fmt.Sprintf("2001:db8:%x::1", 0x100+i), fmt.Sprintf("Kupiec.%d@Hurt-Terminow.pl", i), ""))
		}
		for i := 0; i < 5; i++ {
			born = append(born, w.book(t, 47*time.Minute, fmt.Sprintf("198.18.0.%d", i+1), "", peselBorn("900101", 4000+i*3)))
		}
		// Neither cancelled bookings nor other days count.
		gone := w.book(t, time.Second, "203.0.113.7", "", "")
		if _, err := w.store.Cancel(ctx, gone.ID, booking.ReasonResident, ""); err != nil {
			t.Fatal(err)
		}
		r := w.request(900, w.at(8, 10, 0))
		r.ClientAddr = "203.0.113.7"
		if _, err := w.store.Book(ctx, r); err != nil {
			t.Fatal(err)
		}

		got, err := w.store.Suspicious(ctx, w.day(1), w.day(3), booking.DefaultSuspicionRules())
		if err != nil {
			t.Fatal(err)
		}
		type want struct {
			kind, key string
			codes     []string
		}
		wants := []want{
			{booking.SuspectBurst, "203.0.113.7", codesOf(burst1)},
			{booking.SuspectBurst, "203.0.113.7", codesOf(burst2)},
			{booking.SuspectBurst, "2001:db8:1:2::/64", codesOf(net64)},
			{booking.SuspectDomain, "hurt-terminow.pl", codesOf(domain)},
			{booking.SuspectBirthDate, "", codesOf(born)},
		}
		if len(got.Groups) != len(wants) {
			for _, g := range got.Groups {
				t.Logf("group %s %s: %v", g.Kind, g.Key, groupCodes(g))
			}
			t.Fatalf("%d groups, want %d", len(got.Groups), len(wants))
		}
		for _, wg := range wants {
			i := slices.IndexFunc(got.Groups, func(g booking.SuspectGroup) bool {
				return g.Kind == wg.kind && slices.Equal(groupCodes(g), wg.codes)
			})
			if i < 0 {
				t.Errorf("no %s group of %v", wg.kind, wg.codes)
				continue
			}
			g := got.Groups[i]
			if wg.key != "" && g.Key != wg.key {
				t.Errorf("%s group key %q, want %q", g.Kind, g.Key, wg.key)
			}
			if g.Count != len(wg.codes) || !g.FirstCreated.Equal(g.Bookings[0].CreatedAt) || !g.LastCreated.Equal(g.Bookings[len(g.Bookings)-1].CreatedAt) {
				t.Errorf("%s %s: count %d, first %v, last %v", g.Kind, g.Key, g.Count, g.FirstCreated, g.LastCreated)
			}
			b := g.Bookings[0]
			if b.Name == "" || b.Email == "" || b.Service == "" || b.Date != w.day(2) || b.ClientAddr == "" {
				t.Errorf("%s group's booking lacks what the administrator needs: %+v", g.Kind, b)
			}
		}
		if g := got.Groups[0]; g.Count != 6 {
			t.Errorf("the largest group comes first, got %s with %d", g.Kind, g.Count)
		}
		for _, g := range got.Groups {
			for _, b := range g.Bookings {
				if slices.Contains(codesOf(ordinary), b.Code) {
					t.Errorf("an ordinary resident's booking %s is in the %s group %s", b.Code, g.Kind, g.Key)
				}
			}
		}

		// The big free providers only when asked, and marked as such.
		rules := booking.DefaultSuspicionRules()
		rules.PublicDomains = true
		all, err := w.store.Suspicious(ctx, w.day(1), w.day(3), rules)
		if err != nil {
			t.Fatal(err)
		}
		last := all.Groups[len(all.Groups)-1]
		if len(all.Groups) != len(wants)+1 || last.Key != "gmail.com" || !last.PublicProvider || last.Kind != booking.SuspectDomain {
			t.Fatalf("with public providers: last of %d groups is %+v", len(all.Groups), last.Key)
		}

		// Stricter thresholds find the family too, looser ones fewer.
		rules = booking.DefaultSuspicionRules()
		rules.BurstSize, rules.BurstMinutes = 3, 5
		strict, err := w.store.Suspicious(ctx, w.day(1), w.day(3), rules)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(strict.Groups, func(g booking.SuspectGroup) bool { return g.Key == "198.51.100.77" }) {
			t.Errorf("a burst of 3 in 5 minutes does not find the family's 3 in 4 minutes")
		}
		rules.BurstSize, rules.BirthSize, rules.DomainSize = 7, 6, 7
		loose, err := w.store.Suspicious(ctx, w.day(1), w.day(3), rules)
		if err != nil || len(loose.Groups) != 0 {
			t.Fatalf("thresholds above every group: %v %v", loose, err)
		}
	})
}

func TestSuspiciousBadInput(t *testing.T) {
	w := newSuspectWorld(t, databasetest.SQLite(t))
	ctx := context.Background()
	def := booking.DefaultSuspicionRules()
	rule := func(f func(*booking.SuspicionRules)) booking.SuspicionRules {
		r := def
		f(&r)
		return r
	}
	for _, tc := range []struct {
		name     string
		from, to office.Date
		rules    booking.SuspicionRules
		field    string
	}{
		{"no from", office.Date{}, w.day(1), def, "from"},
		{"no to", w.day(1), office.Date{}, def, "to"},
		{"reversed", w.day(3), w.day(1), def, "to"},
		{"too long", w.day(0), w.day(92), def, "to"},
		{"out of bounds", office.Date{Year: 1999, Month: 12, Day: 31}, w.day(1), def, "from"},
		{"burst of one", w.day(0), w.day(1), rule(func(r *booking.SuspicionRules) { r.BurstSize = 1 }), "burst_size"},
		{"a week's window", w.day(0), w.day(1), rule(func(r *booking.SuspicionRules) { r.BurstMinutes = 7 * 1440 }), "burst_minutes"},
		{"domain of one", w.day(0), w.day(1), rule(func(r *booking.SuspicionRules) { r.DomainSize = 0 }), "domain_size"},
		{"birth of a million", w.day(0), w.day(1), rule(func(r *booking.SuspicionRules) { r.BirthSize = 1e6 }), "birth_size"},
	} {
		_, err := w.store.Suspicious(ctx, tc.from, tc.to, tc.rules)
		if e := wantCode(t, err, okienko.EINVALID); e.Fields[tc.field] == "" {
			t.Errorf("%s: %v does not name %s", tc.name, e, tc.field)
		}
	}
	if _, err := w.store.Suspicious(ctx, w.day(0), w.day(91), def); err != nil {
		t.Fatalf("92 days: %v", err)
	}
}

// An administrator cancels exactly the bookings selected, each resident is
// told once with the note, each cancellation is audited and the seats are
// free again; bad input changes nothing.
func TestCancelByAdmin(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newSuspectWorld(t, db)
		ctx := okienko.WithActor(context.Background(), okienko.Actor{Name: "admin", Role: okienko.RoleAdmin})
		var bs []*booking.Booking
		for i := 0; i < 5; i++ {
			bs = append(bs, w.book(t, time.Second, "203.0.113.7", "", ""))
		}
		already := w.book(t, time.Second, "203.0.113.7", "", "")
		if _, err := w.store.CancelByCode(ctx, already.Code, pesel(w.n)); err != nil {
			t.Fatal(err)
		}
		type state struct{ booked, outbox, audit, events int64 }
		now := func() state {
			var s state
			s.booked = w.count(t, "status = ?", booking.StatusBooked)
			db.Table("outbox").Count(&s.outbox)
			db.Table("audit_log").Count(&s.audit)
			db.Table("events").Count(&s.events)
			return s
		}
		before := now()
		unknown := "ZZZZ-ZZZZ"
		long := strings.Repeat("ż", booking.CancelNoteMaxLen+1)
		many := make([]string, booking.CancelMaxCodes+1)
		for i := range many {
			many[i] = booking.FormatCode(bs[0].Code)
		}
		for _, tc := range []struct {
			name  string
			codes []string
			note  string
			field string
		}{
			{"none", nil, "", "codes"},
			{"unknown", []string{bs[0].Code, unknown}, "", "codes"},
			{"malformed", []string{bs[0].Code, "ABC"}, "", "codes"},
			{"twice", []string{bs[0].Code, strings.ToLower(booking.FormatCode(bs[0].Code))}, "", "codes"},
			{"too many", many, "", "codes"},
			{"long note", []string{bs[0].Code}, long, "note"},
			{"control in note", []string{bs[0].Code}, "a\x00b", "note"},
		} {
			_, _, err := w.store.CancelByAdmin(ctx, tc.codes, tc.note)
			if e := wantCode(t, err, okienko.EINVALID); e.Fields[tc.field] == "" {
				t.Errorf("%s: %v does not name %s", tc.name, e, tc.field)
			}
		}
		if got := now(); got != before {
			t.Fatalf("bad input wrote something: %+v, before %+v", got, before)
		}
		slotsFree := func() int {
			t.Helper()
			slots, err := w.store.Slots(ctx, w.svc.ID, w.day(2))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, s := range slots {
				n += s.Free
			}
			return n
		}
		free := slotsFree()

		note := "Rezerwacje hurtowe są niezgodne z regulaminem."
		pick := []string{bs[0].Code, booking.FormatCode(bs[2].Code), already.Code, bs[4].Code}
		cancelled, left, err := w.store.CancelByAdmin(ctx, pick, "  "+note+"\n")
		if err != nil {
			t.Fatal(err)
		}
		wantCancelled := []string{booking.FormatCode(bs[0].Code), booking.FormatCode(bs[2].Code), booking.FormatCode(bs[4].Code)}
		if !slices.Equal(cancelled, wantCancelled) {
			t.Fatalf("cancelled %v, want %v", cancelled, wantCancelled)
		}
		if len(left) != 1 || left[0].Code != booking.FormatCode(already.Code) || left[0].Reason != booking.NotCancelledAlready {
			t.Fatalf("left %+v", left)
		}
		if got := slotsFree(); got != free+3 {
			t.Fatalf("%d free seats after cancelling 3, want %d", got, free+3)
		}
		for i, b := range bs {
			got, err := w.store.Get(ctx, b.Code)
			if err != nil {
				t.Fatal(err)
			}
			selected := i%2 == 0
			if selected != (got.Status == booking.StatusCancelled) {
				t.Errorf("booking %d: status %s, selected %v", i, got.Status, selected)
			}
			if selected && (got.CancelReason != booking.ReasonAdmin || got.CancelNote != note || !got.CancelledByOffice()) {
				t.Errorf("booking %d: reason %q note %q", i, got.CancelReason, got.CancelNote)
			}
		}
		after := now()
		var notices []int64
		db.Table("outbox").Where("kind = ? AND channel = ? AND booking_id IN ?", "cancellation", "email",
			[]int64{bs[0].ID, bs[2].ID, bs[4].ID}).Order("booking_id").Pluck("booking_id", &notices)
		if !slices.Equal(notices, []int64{bs[0].ID, bs[2].ID, bs[4].ID}) {
			t.Fatalf("cancellation e-mails for %v", notices)
		}
		var data []string
		db.Table("outbox").Where("kind = ? AND channel = ? AND booking_id = ?", "cancellation", "email", bs[0].ID).Pluck("data", &data)
		if len(data) != 1 || !strings.Contains(data[0], "Rezerwacje hurtowe") || !strings.Contains(data[0], booking.ReasonAdmin) {
			t.Fatalf("the notice's data %v lacks the note or reason", data)
		}
		var audited []int64
		db.Table("audit_log").Where("action = ? AND object_type = ? AND actor = ?", booking.AuditCancel, "booking", "admin").Order("object_id").Pluck("object_id", &audited)
		if !slices.Equal(audited, []int64{bs[0].ID, bs[2].ID, bs[4].ID}) {
			t.Fatalf("audited %v", audited)
		}
		if after.booked != before.booked-3 || after.audit != before.audit+3 {
			t.Fatalf("after: %+v, before %+v", after, before)
		}

		// Again: nothing more happens.
		cancelled, left, err = w.store.CancelByAdmin(ctx, pick, note)
		if err != nil || len(cancelled) != 0 || len(left) != 4 {
			t.Fatalf("again: cancelled %v, left %v, %v", cancelled, left, err)
		}
		if got := now(); got != after {
			t.Fatalf("cancelling again wrote something: %+v, before %+v", got, after)
		}
		// A visit that has begun stays.
		w.clock.Set(bs[1].StartsAt)
		_, left, err = w.store.CancelByAdmin(ctx, []string{bs[1].Code}, "")
		if err != nil || len(left) != 1 || left[0].Reason != booking.NotCancelledBegun {
			t.Fatalf("a begun visit: %v %v", left, err)
		}
	})
}

// A booking records its client's address, the address's group (IPv4 itself,
// IPv6's /64) and the birth date's signature, and the erasure clears them
// with the rest of its personal data.
func TestSignalsRecordedAndErased(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newSuspectWorld(t, db)
		ctx := context.Background()
		old := w.book(t, 0, "::ffff:198.51.100.9", "", peselBorn("900101", 1234))
		kept := w.book(t, 0, "2001:db8:aa:bb:1:2:3:4", "", peselBorn("900101", 1237))
		none := w.book(t, 0, "", "", "")
		type row struct {
			ClientAddr *string `gorm:"column:client_addr"`
			ClientNet  *string `gorm:"column:client_net"`
			PESELBirth *string `gorm:"column:pesel_birth"`
		}
		read := func(id int64) row {
			t.Helper()
			var r row
			if err := db.Table("bookings").Select("client_addr, client_net, pesel_birth").Where("id = ?", id).Scan(&r).Error; err != nil {
				t.Fatal(err)
			}
			return r
		}
		str := func(p *string) string {
			if p == nil {
				return "<nil>"
			}
			return *p
		}
		o, k, n := read(old.ID), read(kept.ID), read(none.ID)
		if str(o.ClientAddr) != "::ffff:198.51.100.9" || str(o.ClientNet) != "198.51.100.9" {
			t.Errorf("IPv4-mapped: %s %s", str(o.ClientAddr), str(o.ClientNet))
		}
		if str(k.ClientAddr) != "2001:db8:aa:bb:1:2:3:4" || str(k.ClientNet) != "2001:db8:aa:bb::/64" {
			t.Errorf("IPv6: %s %s", str(k.ClientAddr), str(k.ClientNet))
		}
		if n.ClientAddr != nil || n.ClientNet != nil || n.PESELBirth == nil {
			t.Errorf("no address: %s %s %s", str(n.ClientAddr), str(n.ClientNet), str(n.PESELBirth))
		}
		if o.PESELBirth == nil || str(o.PESELBirth) != str(k.PESELBirth) || str(o.PESELBirth) == str(n.PESELBirth) || strings.Contains(str(o.PESELBirth), "900101") {
			t.Errorf("birth signatures %s %s %s", str(o.PESELBirth), str(k.PESELBirth), str(n.PESELBirth))
		}

		if _, err := w.store.Cancel(ctx, old.ID, booking.ReasonResident, ""); err != nil {
			t.Fatal(err)
		}
		// 30 days after the visit's day: old, cancelled, is erased; kept,
		// still booked, is not.
		w.clock.Set(w.at(33, 9, 0))
		if _, err := w.store.Erase(ctx, 30*24*time.Hour); err != nil {
			t.Fatal(err)
		}
		o, k = read(old.ID), read(kept.ID)
		if o.ClientAddr != nil || o.ClientNet != nil || o.PESELBirth != nil {
			t.Errorf("erased booking keeps %s %s %s", str(o.ClientAddr), str(o.ClientNet), str(o.PESELBirth))
		}
		if k.ClientAddr == nil || k.ClientNet == nil || k.PESELBirth == nil {
			t.Errorf("a booking within retention lost its signals")
		}
	})
}

// BenchmarkSuspicious: the suspicious view over 30 days holding 20,000
// bookings (the most a range may hold), from 200 addresses in one instant
// and with 5,000 birth dates: 200 bursts of 100, 5,000 birth groups of 4
// and one domain of 20,000.
func BenchmarkSuspicious(b *testing.B) {
	benchDatabases(b, func(b *testing.B, db *gorm.DB) {
		w := newWorld(b, db, func(s *office.ServiceSpec) { s.Capacity = 100 })
		fill(b, w, booking.SuspectMaxBookings)
		if err := db.Exec(`UPDATE bookings SET client_net = '203.0.113.' || (id % 200), pesel_birth = 'b' || (id % 5000)`).Error; err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		ds := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			got, err := w.store.Suspicious(ctx, w.day(0), w.day(30), booking.DefaultSuspicionRules())
			ds = append(ds, time.Since(t0))
			if err != nil || len(got.Groups) != 200+5000+1 {
				b.Fatalf("%v groups, %v", len(got.Groups), err)
			}
		}
		percentiles(b, ds)
	})
}
