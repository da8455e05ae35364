package web_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/queue"
)

// calledAbsent opens counter for the clerk (once), issues a walk-in ticket
// of its first matter, calls it and marks it absent; it answers the ticket's
// id and number.
func (e *env) calledAbsent(counterPath string, serviceID int64, clerk []string) (int64, string) {
	e.t.Helper()
	id, number, _ := e.issueTicket(serviceID)
	if resp, body := e.do("POST", counterPath+"/call", map[string]any{"ticket_id": id}, clerk...); resp.StatusCode != 200 {
		e.t.Fatalf("call %s: %d %s", number, resp.StatusCode, body)
	}
	if resp, body := e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/no-show", id), nil, clerk...); resp.StatusCode != 200 {
		e.t.Fatalf("no-show %s: %d %s", number, resp.StatusCode, body)
	}
	return id, number
}

// ticketRow reads a ticket's status and finish time.
func (e *env) ticketRow(id int64) (status string, finished *time.Time) {
	e.t.Helper()
	var row struct {
		Status     string
		FinishedAt *time.Time
	}
	if err := e.db.Table("tickets").Select("status, finished_at").Where("id = ?", id).Take(&row).Error; err != nil {
		e.t.Fatal(err)
	}
	return row.Status, row.FinishedAt
}

// A no-show taken back within queue.UndoNoShowWindow is called again at
// the counter, audited with the clerk, and the hall's board tells the
// screens; after the window (the injected clock moved on) it is 409; so is
// the undo of a ticket that is not absent, and of one whose counter has
// called another since; a clerk at another counter is refused.
func TestUndoNoShow(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		counter := e.counterOf("Stanowisko 1")
		cpath := fmt.Sprintf("/api/v1/counters/%d", counter.ID)
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		if resp, body := e.do("POST", cpath+"/open", nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("open: %d %s", resp.StatusCode, body)
		}
		svc := counter.ServiceIDs[0]
		undo := func(id int64, headers ...string) (int, []byte) {
			resp, body := e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/undo-no-show", id), nil, headers...)
			return resp.StatusCode, body
		}

		// Within the window: called again, as the screens are told.
		id, number := e.calledAbsent(cpath, svc, clerk)
		_, feed := e.board.Subscribe(64)
		defer feed.Close()
		e.clock.Advance(queue.UndoNoShowWindow - time.Second)
		status, body := undo(id, clerk...)
		if status != 200 {
			t.Fatalf("undo within the window: %d %s", status, body)
		}
		var tk struct{ Status, Number string }
		if err := json.Unmarshal(body, &tk); err != nil || tk.Status != "called" || tk.Number != number {
			t.Fatalf("answer %s", body)
		}
		if st, fin := e.ticketRow(id); st != "called" || fin != nil {
			t.Fatalf("stored %s finished %v, want called and unfinished", st, fin)
		}
		deadline := time.After(5 * time.Second)
	wait:
		for {
			select {
			case m := <-feed.C:
				var msg struct {
					Type     string `json:"type"`
					TicketID int64  `json:"ticket_id"`
					Status   string `json:"status"`
				}
				if json.Unmarshal(m, &msg) == nil && msg.Type == "ticket" && msg.TicketID == id && msg.Status == "called" {
					break wait
				}
			case <-deadline:
				t.Fatal("the board never told the screens the ticket is called again")
			}
		}
		entries := e.auditOf("undo_no_show", "ticket")
		if len(entries) != 1 || entries[0].Actor != e.creds.ClerkUser || entries[0].UserID == nil || entries[0].ObjectID != id {
			t.Fatalf("audit entries %+v, want one by %s of ticket %d", entries, e.creds.ClerkUser, id)
		}
		// The counter's queue shows it as the current ticket again.
		resp, qbody := e.do("GET", cpath+"/queue", nil, clerk...)
		if resp.StatusCode != 200 || !strings.Contains(string(qbody), `"current":{"id":`+fmt.Sprint(id)) {
			t.Fatalf("queue after the undo: %d %s", resp.StatusCode, qbody)
		}

		// A ticket that is called, not absent: 409.
		if status, body := undo(id, clerk...); status != 409 {
			t.Fatalf("undo of a called ticket: %d %s, want 409", status, body)
		}

		// After the window: 409, the ticket stays absent.
		if resp, body := e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/no-show", id), nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("no-show again: %d %s", resp.StatusCode, body)
		}
		e.clock.Advance(queue.UndoNoShowWindow)
		if status, body := undo(id, clerk...); status != 409 {
			t.Fatalf("undo after the window: %d %s, want 409", status, body)
		}
		if st, _ := e.ticketRow(id); st != "no_show" {
			t.Fatalf("a late undo left the ticket %s", st)
		}

		// The counter called another since: 409.
		first, _ := e.calledAbsent(cpath, svc, clerk)
		second, _, _ := e.issueTicket(svc)
		if resp, body := e.do("POST", cpath+"/call", map[string]any{"ticket_id": second}, clerk...); resp.StatusCode != 200 {
			t.Fatalf("call another: %d %s", resp.StatusCode, body)
		}
		if status, body := undo(first, clerk...); status != 409 {
			t.Fatalf("undo after calling another: %d %s, want 409", status, body)
		}

		// Another counter's clerk may not; nobody without a session may.
		if resp, body := e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/start", second), nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("start: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/finish", second), nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("finish: %d %s", resp.StatusCode, body)
		}
		third, _ := e.calledAbsent(cpath, svc, clerk)
		admin := bearer(e.adminToken())
		if status, body := undo(third, admin...); status != 403 {
			t.Fatalf("undo by someone at no counter: %d %s, want 403", status, body)
		}
		if status, body := undo(third); status != 401 {
			t.Fatalf("undo without a session: %d %s, want 401", status, body)
		}
		// An action endpoint: a body other than none, {} or null is 400.
		upath := fmt.Sprintf("/api/v1/tickets/%d/undo-no-show", third)
		if resp, body := e.do("POST", upath, `{"x":1}`, clerk...); resp.StatusCode != 400 {
			t.Fatalf("undo with a body: %d %s, want 400", resp.StatusCode, body)
		}
		if resp, body := e.do("POST", upath, "{}", clerk...); resp.StatusCode != 200 {
			t.Fatalf("undo by the clerk with {}: %d %s", resp.StatusCode, body)
		}
	})
}

// Two undos of one no-show at once: exactly one wins, the other is 409,
// and one audit entry is written.
func TestUndoNoShowRace(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		counter := e.counterOf("Stanowisko 1")
		cpath := fmt.Sprintf("/api/v1/counters/%d", counter.ID)
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		if resp, body := e.do("POST", cpath+"/open", nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("open: %d %s", resp.StatusCode, body)
		}
		for round := range 5 {
			id, _ := e.calledAbsent(cpath, counter.ServiceIDs[0], clerk)
			statuses := make([]int, 2)
			gate := make(chan struct{})
			var wg sync.WaitGroup
			for i := range statuses {
				wg.Go(func() {
					<-gate
					resp, _ := e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/undo-no-show", id), nil, clerk...)
					statuses[i] = resp.StatusCode
				})
			}
			close(gate)
			wg.Wait()
			won, lost := 0, 0
			for _, s := range statuses {
				switch s {
				case 200:
					won++
				case 409:
					lost++
				}
			}
			if won != 1 || lost != 1 {
				t.Fatalf("round %d: answers %v, want one 200 and one 409", round, statuses)
			}
			if n := len(e.auditOf("undo_no_show", "ticket")); n != round+1 {
				t.Fatalf("round %d: %d audit entries, want %d", round, n, round+1)
			}
			// Serve the ticket so the counter is free for the next round.
			for _, a := range []string{"start", "finish"} {
				if resp, body := e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/%s", id, a), nil, clerk...); resp.StatusCode != 200 {
					t.Fatalf("%s: %d %s", a, resp.StatusCode, body)
				}
			}
		}
	})
}
