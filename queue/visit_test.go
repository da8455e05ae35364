package queue_test

import (
	"context"
	"fmt"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/queue"
)

// A visit of two matters checks in as one ticket carrying both: the first
// matter's, with the second remaining. The clerk serves the first, sends
// the ticket onward to the second (Transfer), which then remains no more,
// calls it again at the same counter and finishes the visit.
func TestVisitTicketCarriesItsMatters(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		ctx := context.Background()
		counter, user := h.clerk(t, 1, h.a.ID, h.b.ID)
		b, err := h.bookings.Book(ctx, booking.Request{ServiceIDs: []int64{h.a.ID, h.b.ID}, Start: h.w.At(0, 11, 15),
			Name: "Jan Kowalski", PESEL: "44051401359", Email: "jan@example.pl", Consent: true})
		if err != nil {
			t.Fatal(err)
		}
		h.clock.Set(h.w.At(0, 10, 50))
		tk, _, err := h.q.CheckIn(ctx, b.Code)
		if err != nil {
			t.Fatal(err)
		}
		if tk.ServiceID != h.a.ID || fmt.Sprint(tk.Remaining) != fmt.Sprint([]int64{h.b.ID}) {
			t.Fatalf("ticket of the visit: matter %d, remaining %v; want %d then [%d]", tk.ServiceID, tk.Remaining, h.a.ID, h.b.ID)
		}
		var n int64
		if err := db.Model(&queue.Ticket{}).Where("booking_id = ?", b.ID).Count(&n).Error; err != nil || n != 1 {
			t.Fatalf("%d tickets for the visit (%v), want 1", n, err)
		}
		read, err := h.q.Ticket(ctx, tk.ID)
		if err != nil || fmt.Sprint(read.Remaining) != fmt.Sprint([]int64{h.b.ID}) {
			t.Fatalf("read back: %v, %v", read, err)
		}
		called, err := h.q.CallNext(ctx, counter, user)
		if err != nil || called == nil || called.ID != tk.ID {
			t.Fatalf("call next: %v, %v", called, err)
		}
		if _, err := h.q.Act(ctx, tk.ID, user, queue.ActStart, ""); err != nil {
			t.Fatal(err)
		}
		moved, err := h.q.Transfer(ctx, tk.ID, user, h.b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if moved.ServiceID != h.b.ID || moved.Status != queue.StatusWaiting || len(moved.Remaining) != 0 || !moved.IssuedAt.Equal(tk.IssuedAt) {
			t.Fatalf("sent onward: %+v", moved)
		}
		if read, err = h.q.Ticket(ctx, tk.ID); err != nil || len(read.Remaining) != 0 {
			t.Fatalf("after onward, stored remaining %v, %v", read.Remaining, err)
		}
		again, err := h.q.CallTicket(ctx, counter, user, tk.ID)
		if err != nil || again.ServiceID != h.b.ID {
			t.Fatalf("called again for the second matter: %v, %v", again, err)
		}
		if _, err := h.q.Act(ctx, tk.ID, user, queue.ActStart, ""); err != nil {
			t.Fatal(err)
		}
		if done, err := h.q.Act(ctx, tk.ID, user, queue.ActFinish, ""); err != nil || done.Status != queue.StatusDone {
			t.Fatalf("finish: %v, %v", done, err)
		}
	})
}
