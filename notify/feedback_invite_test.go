package notify_test

import (
	"context"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/notify"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/queue"
)

// The feedback invitation: never while the office's feedback_invite is off;
// on, a done ticket with a phone gets one SMS and a remote ticket with only
// an e-mail one e-mail, each with the ticket's page, in the ticket's
// language, once per ticket; an answer given before it goes makes it moot.
func TestFeedbackInvite(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock, offices, svc, q := remoteHall(t, db)
		issue := func(spec queue.RemoteSpec) *queue.Ticket {
			t.Helper()
			spec.ServiceID = svc.ID
			tk, err := q.IssueRemote(ctx, spec)
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		whileOff := issue(queue.RemoteSpec{Phone: "600100201", Lang: "pl"})
		byPhone := issue(queue.RemoteSpec{Phone: "600100200", Lang: "uk"})
		byMail := issue(queue.RemoteSpec{Email: "ola@example.com", Lang: "en"})
		answered := issue(queue.RemoteSpec{Phone: "600100202", Lang: "pl"})
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
		// serve calls the next ticket (want) and finishes it.
		serve := func(want *queue.Ticket) {
			t.Helper()
			tk, err := q.CallNext(ctx, ct.ID, userID)
			if err != nil || tk.ID != want.ID {
				t.Fatalf("CallNext = %+v, %v; want %s", tk, err, want.Number)
			}
			for _, a := range []queue.Action{queue.ActStart, queue.ActFinish} {
				if _, err := q.Act(ctx, tk.ID, userID, a, ""); err != nil {
					t.Fatal(err)
				}
			}
		}
		invites := func(ticketID int64) []outbox.Message {
			var out []outbox.Message
			if err := db.Where("ticket_id = ? AND kind = ?", ticketID, outbox.FeedbackInvite).Find(&out).Error; err != nil {
				t.Fatal(err)
			}
			return out
		}
		serve(whileOff)
		if got := invites(whileOff.ID); len(got) != 0 {
			t.Fatalf("invited while the setting is off: %+v", got)
		}
		if _, err := offices.UpdateSettings(ctx, func(s *office.Settings) error { s.FeedbackInvite = true; return nil }); err != nil {
			t.Fatal(err)
		}
		serve(byPhone)
		serve(byMail)
		serve(answered)
		c := &notify.Messages{DB: db, Clock: clock, Offices: offices, BaseURL: "http://okienko.test"}
		sms := invites(byPhone.ID)
		if len(sms) != 1 || sms[0].Channel != outbox.SMS || sms[0].Lang != "uk" || sms[0].Key != outbox.TicketKey(byPhone.ID, outbox.FeedbackInvite, outbox.SMS) {
			t.Fatalf("the phone's invitations: %+v", sms)
		}
		out, err := c.Compose(ctx, &sms[0])
		if err != nil || out.To != "+48600100200" || !strings.Contains(out.Text, "http://okienko.test/t/"+byPhone.PublicID) || !strings.Contains(out.Text, "Оцініть") {
			t.Fatalf("the invitation SMS: %+v %v", out, err)
		}
		mail := invites(byMail.ID)
		if len(mail) != 1 || mail[0].Channel != outbox.Email {
			t.Fatalf("the e-mail's invitations: %+v", mail)
		}
		out, err = c.Compose(ctx, &mail[0])
		if err != nil || out.To != "ola@example.com" || !strings.Contains(out.Subject, "How was your visit") ||
			!strings.Contains(out.Text, "http://okienko.test/t/"+byMail.PublicID) || !strings.Contains(out.HTML, "Rate your visit") {
			t.Fatalf("the invitation e-mail: %+v %v", out, err)
		}
		// Once per ticket: the same key queues nothing more.
		again := outbox.Message{Key: sms[0].Key, Channel: outbox.SMS, Kind: outbox.FeedbackInvite, Lang: "uk", TicketID: &byPhone.ID}
		if _, err := outbox.Enqueue(ctx, db, clock.Now(), again, nil); err != nil {
			t.Fatal(err)
		}
		if got := invites(byPhone.ID); len(got) != 1 {
			t.Fatalf("%d invitations for one ticket", len(got))
		}
		// Answered on the page before the invitation went: it is moot.
		if _, err := q.GiveFeedback(ctx, answered.PublicID, queue.FeedbackSpec{Score: 5}); err != nil {
			t.Fatal(err)
		}
		moot := invites(answered.ID)
		if len(moot) != 1 {
			t.Fatalf("the answered ticket's invitations: %+v", moot)
		}
		if _, err := c.Compose(ctx, &moot[0]); !notify.IsPermanent(err) {
			t.Fatalf("an invitation after the answer: %v", err)
		}
	})
}
