package notify

import (
	"context"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/notify/outbox"
)

// An administrator's cancellation of suspected hoarding tells the resident
// it was the office, with the administrator's note as the reason.
func TestAdminCancellationMessage(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		b := f.bookAt(t, "pl", "", f.week.At(1, 9, 0), pesels[0])
		sentByKind(t, f)
		note := "Rezerwacje hurtowe są niezgodne z regulaminem."
		cancelled, _, err := f.bookings.CancelByAdmin(context.Background(), []string{b.Code}, note)
		if err != nil || len(cancelled) != 1 {
			t.Fatalf("cancel: %v %v", cancelled, err)
		}
		email, _ := sentByKind(t, f)
		m := email[outbox.Cancellation]
		if m == nil || !strings.Contains(m.Text, "Urząd Testowy odwołuje Twoją wizytę.\nPowód: "+note) {
			t.Fatalf("the cancellation e-mail: %+v", m)
		}
		if got, _ := f.bookings.Get(context.Background(), b.Code); got.CancelReason != booking.ReasonAdmin {
			t.Fatalf("reason %q", got.CancelReason)
		}
	})
}
