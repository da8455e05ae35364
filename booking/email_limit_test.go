package booking_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
)

func TestEmailKey(t *testing.T) {
	for in, want := range map[string]string{
		"jan@example.pl":             "jan@example.pl",
		"Jan.Kowalski@example.pl":    "jan.kowalski@example.pl",
		"Jan+urzad@example.pl":       "jan@example.pl",
		"jan+a+b@example.pl":         "jan@example.pl",
		"ŁUKASZ+x@poczta.example":    "łukasz@poczta.example",
		"+tylko-tag@example.pl":      "@example.pl",
		"plus.in.domain@ex+ample.pl": "plus.in.domain@ex+ample.pl",
	} {
		if got := booking.EmailKey(in); got != want {
			t.Errorf("EmailKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// One e-mail address holds at most the limit of upcoming bookings, across
// matters and residents, however it is written (case, +tags), even when
// they all book at once; a cancelled or past booking frees its place, and
// another address is not affected.
func TestLimitPerEmail(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWorld(t, db, func(s *office.ServiceSpec) { s.Capacity = 50 })
		w.store.SetMaxActivePerEmail(3)
		ctx := context.Background()
		spec := w.svc.ServiceSpec
		spec.Name = "Druga sprawa"
		other, err := w.offices.CreateService(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		const n = 20
		var wg sync.WaitGroup
		var mu sync.Mutex
		var won []*booking.Booking
		for i := range n {
			wg.Go(func() {
				r := w.request(100+i, w.at(1, 9, 0))
				if i%2 == 1 {
					r.ServiceID = other.ID
				}
				r.Email = fmt.Sprintf("Hurt+%d@Example.pl", i)
				b, err := w.store.Book(ctx, r)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					won = append(won, b)
					return
				}
				if e := wantCode(t, err, okienko.ECONFLICT); e.Fields["email"] == "" || !strings.Contains(e.Message, "this e-mail address already has 3 upcoming bookings") {
					t.Errorf("refusal %d: %+v", i, e)
				}
			})
		}
		wg.Wait()
		if len(won) != 3 {
			t.Fatalf("%d bookings with one mailbox, want exactly 3", len(won))
		}
		r := w.request(200, w.at(1, 10, 0))
		r.Email = "hurt@example.pl"
		_, err = w.store.Book(ctx, r)
		wantCode(t, err, okienko.ECONFLICT)
		// Another address books.
		if _, err := w.store.Book(ctx, w.request(201, w.at(1, 10, 0))); err != nil {
			t.Fatal(err)
		}
		// A cancellation frees a place for the address.
		if _, err := w.store.Cancel(ctx, won[0].ID, booking.ReasonResident, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := w.store.Book(ctx, r); err != nil {
			t.Fatalf("after a cancellation: %v", err)
		}
		// Visits that have begun no longer count.
		w.clock.Set(w.at(1, 9, 0))
		r = w.request(202, w.at(2, 10, 0))
		r.Email = "HURT@example.pl"
		if _, err := w.store.Book(ctx, r); err != nil {
			t.Fatalf("once the visits have begun: %v", err)
		}
		// Erasing personal data erases the key too.
		w.clock.Set(w.at(40, 9, 0))
		if _, err := w.store.Erase(ctx, 0); err != nil {
			t.Fatal(err)
		}
		if n := w.count(t, "erased_at IS NOT NULL"); n == 0 {
			t.Fatal("nothing erased")
		}
		if n := w.count(t, "email_key IS NOT NULL AND erased_at IS NOT NULL"); n != 0 {
			t.Fatalf("%d erased bookings keep their e-mail key", n)
		}
	})
}
