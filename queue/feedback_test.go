package queue_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/queue"
)

// served brings a new walk-in of h.a through counter to done.
func (h *hall) served(t testing.TB, counter, user int64) *queue.Ticket {
	t.Helper()
	ctx := context.Background()
	tk := h.walkIn(t, h.a, false)
	if _, err := h.q.CallTicket(ctx, counter, user, tk.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.q.Act(ctx, tk.ID, user, queue.ActStart, ""); err != nil {
		t.Fatal(err)
	}
	done, err := h.q.Act(ctx, tk.ID, user, queue.ActFinish, "")
	if err != nil {
		t.Fatal(err)
	}
	return done
}

func feedbackRows(t testing.TB, db *gorm.DB) int64 {
	t.Helper()
	var n int64
	if err := db.Table("feedback").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// An answer is taken only for a done ticket, once, within its bounds; a
// refusal names the field or the state and writes nothing.
func TestFeedbackDoneOnlyOnceBounded(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		ctx := context.Background()
		counter, user := h.clerk(t, 1)

		waiting := h.walkIn(t, h.b, false)
		_, err := h.q.GiveFeedback(ctx, waiting.PublicID, queue.FeedbackSpec{Score: 5})
		if e := okienko.AsError(err); e.Code != okienko.ECONFLICT || e.Fields["status"] != queue.StatusWaiting || !strings.Contains(e.Message, "waiting") {
			t.Fatalf("waiting ticket: %v %v", err, e.Fields)
		}
		if _, err := h.q.GiveFeedback(ctx, "nosuchticket0000", queue.FeedbackSpec{Score: 5}); code(err) != okienko.ENOTFOUND {
			t.Fatalf("unknown ticket: %v", err)
		}
		if _, err := h.q.GiveFeedback(ctx, strings.Repeat("x", 10000), queue.FeedbackSpec{Score: 5}); code(err) != okienko.ENOTFOUND {
			t.Fatalf("long id: %v", err)
		}

		tk := h.served(t, counter, user)
		for _, c := range []struct {
			name  string
			spec  queue.FeedbackSpec
			field string
		}{
			{"score 0", queue.FeedbackSpec{Score: 0}, "score"},
			{"score 6", queue.FeedbackSpec{Score: 6}, "score"},
			{"score -1", queue.FeedbackSpec{Score: -1}, "score"},
			{"comment 501", queue.FeedbackSpec{Score: 3, Comment: strings.Repeat("ż", 501)}, "comment"},
			{"comment huge", queue.FeedbackSpec{Score: 3, Comment: strings.Repeat("a", 100000)}, "comment"},
			{"comment not utf-8", queue.FeedbackSpec{Score: 3, Comment: "a\xffb"}, "comment"},
			{"comment NUL", queue.FeedbackSpec{Score: 3, Comment: "a\x00b"}, "comment"},
		} {
			_, err := h.q.GiveFeedback(ctx, tk.PublicID, c.spec)
			if e := okienko.AsError(err); e.Code != okienko.EINVALID || e.Fields[c.field] == "" {
				t.Fatalf("%s: %v, want EINVALID naming %s", c.name, err, c.field)
			}
		}
		if n := feedbackRows(t, db); n != 0 {
			t.Fatalf("%d answers written by refusals", n)
		}

		long := strings.Repeat("ż", 500)
		f, err := h.q.GiveFeedback(ctx, tk.PublicID, queue.FeedbackSpec{Score: 4, Comment: "  " + long + "\n"})
		if err != nil {
			t.Fatal(err)
		}
		if f.Score != 4 || f.Comment != long || f.ServiceID != h.a.ID || f.DepartmentID != h.dep.ID || f.CounterID == nil || *f.CounterID != counter || f.Day != tk.Day {
			t.Fatalf("answer %+v", f)
		}
		_, err = h.q.GiveFeedback(ctx, tk.PublicID, queue.FeedbackSpec{Score: 1})
		if e := okienko.AsError(err); e.Code != okienko.ECONFLICT || e.Fields["reason"] != "already_answered" {
			t.Fatalf("second answer: %v", err)
		}
		if given, err := h.q.FeedbackGiven(ctx, tk.ID); err != nil || !given {
			t.Fatalf("given %v %v", given, err)
		}
		if given, _ := h.q.FeedbackGiven(ctx, waiting.ID); given {
			t.Fatal("waiting ticket answered")
		}
		var row struct {
			Score   int
			Comment string
		}
		db.Table("feedback").Select("score, comment").Scan(&row)
		if n := feedbackRows(t, db); n != 1 || row.Score != 4 {
			t.Fatalf("%d answers, %+v", n, row)
		}

		// A no-show is not a visit to rate.
		tk2 := h.walkIn(t, h.a, false)
		h.q.CallTicket(ctx, counter, user, tk2.ID)
		if _, err := h.q.Act(ctx, tk2.ID, user, queue.ActNoShow, ""); err != nil {
			t.Fatal(err)
		}
		_, err = h.q.GiveFeedback(ctx, tk2.PublicID, queue.FeedbackSpec{Score: 5})
		if e := okienko.AsError(err); e.Code != okienko.ECONFLICT || e.Fields["status"] != queue.StatusNoShow {
			t.Fatalf("no-show: %v", err)
		}
	})
}

// The answer keeps no personal data and survives the retention that erases
// the ticket's phone, and the ticket's deletion (the link is dropped).
func TestFeedbackOutlivesTicket(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		ctx := context.Background()
		counter, user := h.clerk(t, 1)
		tk := h.served(t, counter, user)
		if _, err := h.q.GiveFeedback(ctx, tk.PublicID, queue.FeedbackSpec{Score: 2}); err != nil {
			t.Fatal(err)
		}
		cols, err := db.Migrator().ColumnTypes("feedback")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cols {
			switch c.Name() {
			case "phone", "email", "ip", "address", "public_id", "user_agent":
				t.Fatalf("feedback keeps %s", c.Name())
			}
		}
		if err := db.Exec("DELETE FROM tickets WHERE id = ?", tk.ID).Error; err != nil {
			t.Fatal(err)
		}
		var row struct {
			TicketID  *int64
			ServiceID int64
			Score     int
		}
		if err := db.Table("feedback").Select("ticket_id, service_id, score").Scan(&row).Error; err != nil {
			t.Fatal(err)
		}
		if row.TicketID != nil || row.ServiceID != h.a.ID || row.Score != 2 {
			t.Fatalf("after the ticket went: %+v", row)
		}
	})
}

// Twenty answers racing for one ticket: exactly one is taken, the others
// are told it was answered already.
func TestFeedbackRace(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		counter, user := h.clerk(t, 1)
		tk := h.served(t, counter, user)
		const tries = 20
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, answered := 0, 0
		var other []error
		start := make(chan struct{})
		for i := range tries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := h.q.GiveFeedback(context.Background(), tk.PublicID, queue.FeedbackSpec{Score: i%5 + 1})
				mu.Lock()
				defer mu.Unlock()
				switch e := okienko.AsError(err); {
				case err == nil:
					ok++
				case e.Code == okienko.ECONFLICT && e.Fields["reason"] == "already_answered":
					answered++
				default:
					other = append(other, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if ok != 1 || answered != tries-1 || len(other) > 0 {
			t.Fatalf("%d taken, %d already answered, errors %v", ok, answered, other)
		}
		if n := feedbackRows(t, db); n != 1 {
			t.Fatalf("%d answers", n)
		}
	})
}
