package notify_test

import (
	"context"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/notify"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/officetest"
	"github.com/okienko/okienko/queue"
)

// A remote ticket's messages: "3 ahead" by e-mail when it has only an
// e-mail (with its live page), "called" with the counter by SMS, in the
// ticket's language; each fails for good once it no longer matters.
func TestComposeRemoteTicket(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock, offices, svc, q := remoteHall(t, db)
		byMail, err := q.IssueRemote(ctx, queue.RemoteSpec{ServiceID: svc.ID, Email: "ola@example.com", Lang: "en"})
		if err != nil {
			t.Fatal(err)
		}
		byPhone, err := q.IssueRemote(ctx, queue.RemoteSpec{ServiceID: svc.ID, Phone: "600100200", Lang: "uk"})
		if err != nil {
			t.Fatal(err)
		}
		c := &notify.Messages{DB: db, Clock: clock, Offices: offices, BaseURL: "http://okienko.test"}
		// Issued with nobody ahead: both were told at once.
		var queued []outbox.Message
		db.Order("id").Find(&queued)
		if len(queued) != 2 || queued[0].Channel != outbox.Email || queued[0].Kind != outbox.TurnNear || queued[1].Channel != outbox.SMS || queued[1].Lang != "uk" {
			t.Fatalf("queued %+v", queued)
		}
		out, err := c.Compose(ctx, &queued[0])
		if err != nil || out.To != "ola@example.com" || !strings.Contains(out.Subject, byMail.Number) ||
			!strings.Contains(out.Text, "http://okienko.test/t/"+byMail.PublicID) || !strings.Contains(out.HTML, "/t/"+byMail.PublicID) ||
			!strings.Contains(out.Text, "Please come to the office") {
			t.Fatalf("turn-near e-mail: %+v %v", out, err)
		}
		out, err = c.Compose(ctx, &queued[1])
		if err != nil || out.To != "+48600100200" || !strings.Contains(out.Text, byPhone.Number) || !strings.Contains(out.Text, "перед вами") {
			t.Fatalf("turn-near SMS: %+v %v", out, err)
		}
		// Called to a counter.
		var userID int64
		db.Exec("INSERT INTO users (username, password_hash, role, created_at, updated_at) VALUES ('k', 'x', 'clerk', ?, ?)", clock.Now(), clock.Now())
		db.Raw("SELECT id FROM users WHERE username = 'k'").Scan(&userID)
		ct, err := offices.CreateCounter(ctx, office.CounterSpec{DepartmentID: svc.DepartmentID, Name: "Okienko 7", ServiceIDs: []int64{svc.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := q.OpenCounter(ctx, ct.ID, userID, []int64{svc.ID}); err != nil {
			t.Fatal(err)
		}
		if tk, err := q.CallNext(ctx, ct.ID, userID); err != nil || tk.ID != byMail.ID {
			t.Fatalf("CallNext = %+v, %v", tk, err)
		}
		var called outbox.Message
		if err := db.Where("ticket_id = ? AND kind = ?", byMail.ID, outbox.TicketCalled).Take(&called).Error; err != nil {
			t.Fatal(err)
		}
		out, err = c.Compose(ctx, &called)
		if err != nil || called.Channel != outbox.Email || !strings.Contains(out.Subject, "Okienko 7") || !strings.Contains(out.Text, byMail.Number+" (") {
			t.Fatalf("called e-mail: %+v %v", out, err)
		}
		// The turn-near of a ticket no longer waiting, the called of one
		// being served: too late.
		if _, err := c.Compose(ctx, &queued[0]); !notify.IsPermanent(err) {
			t.Fatalf("a called ticket's turn-near: %v", err)
		}
		db.Table("tickets").Where("id = ?", byMail.ID).Update("status", "serving")
		if _, err := c.Compose(ctx, &called); !notify.IsPermanent(err) {
			t.Fatalf("a served ticket's called message: %v", err)
		}
		// The address erased: no message.
		db.Table("tickets").Where("id = ?", byPhone.ID).Update("phone", nil)
		if _, err := c.Compose(ctx, &queued[1]); !notify.IsPermanent(err) {
			t.Fatalf("a ticket without its phone: %v", err)
		}
	})
}

// remoteHall is the test office on db at 10:00 of the test week, its matter
// taking 5 remote tickets a day, and the queue over it.
func remoteHall(t *testing.T, db *gorm.DB) (*okienko.ManualClock, *office.Store, *office.Service, *queue.Store) {
	t.Helper()
	clock := okienko.NewManualClock(officetest.Anchor(t).At(0, 10, 0))
	offices, _, svc := officetest.New(t, db, clock, nil)
	svc, err := offices.UpdateService(context.Background(), svc.ID, func(s *office.ServiceSpec) error { s.RemoteTicketsPerDay = 5; return nil })
	if err != nil {
		t.Fatal(err)
	}
	return clock, offices, svc, queue.NewStore(db, clock, offices, booking.NewStore(db, clock, offices, "secret"))
}
