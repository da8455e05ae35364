package display_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/display"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/officetest"
	"github.com/okienko/okienko/queue"
)

// lobby is an office with one department open all day, two matters and
// two counters (the second with a short label), a live board following its
// events, and a feed of the board's messages.
type lobby struct {
	t        *testing.T
	db       *gorm.DB
	offices  *office.Store
	q        *queue.Store
	board    *display.Board
	hub      *display.LocalHub
	feed     *display.Feed
	a, b     *office.Service
	counters [2]int64
	users    [2]int64
}

func newLobby(t *testing.T, db *gorm.DB) *lobby {
	t.Helper()
	ctx := context.Background()
	w := officetest.Anchor(t)
	clock := okienko.NewManualClock(w.At(0, 10, 0))
	offices := office.NewStore(db, clock)
	if err := offices.CreateOffice(ctx, &office.Office{Name: "Urząd", TimeZone: "Europe/Warsaw"}); err != nil {
		t.Fatal(err)
	}
	day := [][]string{{"07:00", "19:00"}}
	dep, err := offices.CreateDepartment(ctx, office.DepartmentSpec{Name: "Dowody", TicketPrefix: "D", LastTicketMinutes: 15,
		Hours: office.WeekHours{Mon: day, Tue: day, Wed: day, Thu: day, Fri: day, Sat: day, Sun: day}})
	if err != nil {
		t.Fatal(err)
	}
	l := &lobby{t: t, db: db, offices: offices}
	for i, name := range []string{"Wniosek", "Odbiór"} {
		spec := office.DefaultServiceSpec()
		spec.DepartmentID, spec.Name = dep.ID, name
		svc, err := offices.CreateService(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			l.a = svc
		} else {
			l.b = svc
		}
	}
	l.q = queue.NewStore(db, clock, offices, booking.NewStore(db, clock, offices, "secret"))
	hub := display.NewLocalHub()
	l.q.OnCommit(hub.Publish)
	l.hub = hub
	l.board = display.NewBoard(hub, l.q, offices, "test", slog.New(slog.NewTextHandler(io.Discard, nil)))
	runCtx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	go func() { _ = l.board.Run(runCtx) }()
	<-l.board.Ready()
	for i, label := range []string{"", "4"} {
		now := clock.Now()
		name := fmt.Sprintf("clerk%d", i)
		if err := db.Exec("INSERT INTO users (username, password_hash, role, created_at, updated_at) VALUES (?, 'x', 'clerk', ?, ?)", name, now, now).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Raw("SELECT id FROM users WHERE username = ?", name).Scan(&l.users[i]).Error; err != nil {
			t.Fatal(err)
		}
		c, err := offices.CreateCounter(ctx, office.CounterSpec{DepartmentID: dep.ID, Name: fmt.Sprintf("Stanowisko %d", 3+i), Label: label, ServiceIDs: []int64{l.a.ID, l.b.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.q.OpenCounter(ctx, c.ID, l.users[i], nil); err != nil {
			t.Fatal(err)
		}
		l.counters[i] = c.ID
	}
	_, l.feed = l.board.Subscribe(10000)
	t.Cleanup(l.feed.Close)
	return l
}

// message is what the tests read of the board's messages.
type message struct {
	Type     string         `json:"type"`
	TicketID int64          `json:"ticket_id"`
	Status   string         `json:"status"`
	Calls    []display.Call `json:"calls"`
	HasCalls bool           `json:"-"`
}

// applied waits for the board's "ticket" message of ticket id (every
// change of a ticket ends with one) and returns the messages until it.
func (l *lobby) applied(id int64) []message {
	l.t.Helper()
	var out []message
	timeout := time.After(10 * time.Second)
	for {
		select {
		case raw, ok := <-l.feed.C:
			if !ok {
				l.t.Fatal("the board dropped the feed")
			}
			var m message
			if err := json.Unmarshal(raw, &m); err != nil {
				l.t.Fatal(err)
			}
			var probe map[string]json.RawMessage
			_ = json.Unmarshal(raw, &probe)
			_, m.HasCalls = probe["calls"]
			out = append(out, m)
			if m.Type == "ticket" && m.TicketID == id {
				return out
			}
		case <-timeout:
			l.t.Fatalf("the board never applied ticket %d", id)
		}
	}
}

// snapshotCalls is the list of a board's snapshot.
func snapshotCalls(t *testing.T, b *display.Board) []display.Call {
	t.Helper()
	var s struct{ Calls []display.Call }
	if err := json.Unmarshal(b.Snapshot(), &s); err != nil {
		t.Fatal(err)
	}
	return s.Calls
}

// fresh is the list a board started now reads from the database.
func (l *lobby) fresh() []display.Call {
	l.t.Helper()
	b := display.NewBoard(display.NewLocalHub(), l.q, l.offices, "test", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := b.Rebuild(context.Background()); err != nil {
		l.t.Fatal(err)
	}
	return snapshotCalls(l.t, b)
}

func describe(calls []display.Call) string {
	s := ""
	for _, c := range calls {
		s += fmt.Sprintf("%s@%s/%s %s; ", c.Number, c.Counter, c.CounterLabel, c.At.UTC().Format(time.RFC3339Nano))
	}
	return s
}

// sameAsFresh checks that the live board's list, the list the last
// message that changed it carried, and a fresh board's list are one.
func (l *lobby) sameAsFresh(step string, sent []message) {
	l.t.Helper()
	live, fresh := snapshotCalls(l.t, l.board), l.fresh()
	if describe(live) != describe(fresh) {
		l.t.Fatalf("%s: the live board lists %s\na fresh board lists %s", step, describe(live), describe(fresh))
	}
	var last *message
	for i := range sent {
		if sent[i].HasCalls {
			last = &sent[i]
		}
	}
	if last == nil {
		l.t.Fatalf("%s: no message carried the calls", step)
	}
	if describe(last.Calls) != describe(live) {
		l.t.Fatalf("%s: the screens were sent %s\nthe board lists %s", step, describe(last.Calls), describe(live))
	}
}

// A display left open and one loaded now show the same last calls: the
// board keeps from events the list a fresh board reads from the database,
// through calls, recalls, a transfer (the ticket leaves the list at once),
// a return, a call of the transferred ticket at another counter, and more
// calls than the list holds, so an entry leaving refills it.
func TestBoardLastCallsOneRule(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		l := newLobby(t, db)
		ctx := context.Background()
		var tickets []*queue.Ticket
		for range display.MaxCalls + 3 {
			tk, err := l.q.IssueWalkIn(ctx, l.a.ID, false)
			if err != nil {
				t.Fatal(err)
			}
			l.applied(tk.ID)
			tickets = append(tickets, tk)
		}
		call := func(i int) *queue.Ticket {
			t.Helper()
			tk, err := l.q.CallNext(ctx, l.counters[i], l.users[i])
			if err != nil || tk == nil {
				t.Fatalf("call next at counter %d: %v %v", i, tk, err)
			}
			return tk
		}
		finish := func(tk *queue.Ticket, i int) {
			t.Helper()
			for _, a := range []queue.Action{queue.ActStart, queue.ActFinish} {
				if _, err := l.q.Act(ctx, tk.ID, l.users[i], a, ""); err != nil {
					t.Fatal(err)
				}
				l.applied(tk.ID)
			}
		}

		// D001 to D003 called in turn at the two counters.
		first := call(0)
		l.sameAsFresh("first call", l.applied(first.ID))
		if live := snapshotCalls(t, l.board); live[0].Counter != "Stanowisko 3" || live[0].CounterLabel != "" {
			t.Fatalf("a counter without a label: %+v", live[0])
		}
		finish(first, 0)
		second := call(1)
		l.sameAsFresh("second call", l.applied(second.ID))
		if live := snapshotCalls(t, l.board); live[0].Counter != "Stanowisko 4" || live[0].CounterLabel != "4" {
			t.Fatalf("a counter with a label: %+v", live[0])
		}
		third := call(0)
		l.sameAsFresh("third call", l.applied(third.ID))

		// A recall moves nothing but the time.
		if _, err := l.q.Act(ctx, third.ID, l.users[0], queue.ActRecall, ""); err != nil {
			t.Fatal(err)
		}
		l.sameAsFresh("recall", l.applied(third.ID))

		// The transfer of D003: it leaves the list, on both.
		if _, err := l.q.Transfer(ctx, third.ID, l.users[0], l.b.ID); err != nil {
			t.Fatal(err)
		}
		sent := l.applied(third.ID)
		l.sameAsFresh("transfer", sent)
		for _, c := range snapshotCalls(t, l.board) {
			if c.TicketID == third.ID {
				t.Fatalf("the transferred %s is still listed", third.Number)
			}
		}

		// A return, then the transferred ticket called at the other counter.
		if _, err := l.q.Act(ctx, second.ID, l.users[1], queue.ActReturn, ""); err != nil {
			t.Fatal(err)
		}
		l.sameAsFresh("return", l.applied(second.ID))
		again, err := l.q.CallTicket(ctx, l.counters[1], l.users[1], third.ID)
		if err != nil {
			t.Fatal(err)
		}
		l.sameAsFresh("transferred ticket called", l.applied(again.ID))
		finish(again, 1)

		// More calls than the list holds; then one leaves and an older one
		// comes back into it, as the database has it.
		for range display.MaxCalls {
			tk := call(0)
			l.sameAsFresh("call "+tk.Number, l.applied(tk.ID))
			finish(tk, 0)
		}
		if n := len(snapshotCalls(t, l.board)); n != display.MaxCalls {
			t.Fatalf("%d calls listed, want %d", n, display.MaxCalls)
		}
		last := call(1)
		l.applied(last.ID)
		if _, err := l.q.Act(ctx, last.ID, l.users[1], queue.ActReturn, ""); err != nil {
			t.Fatal(err)
		}
		l.sameAsFresh("a return from a full list", l.applied(last.ID))
		if n := len(snapshotCalls(t, l.board)); n != display.MaxCalls {
			t.Fatalf("after the return %d calls listed, want %d", n, display.MaxCalls)
		}
	})
}

// A department renamed in the panel reaches the screens already open: the
// board rebuilds, tells every screen to start over, and the snapshot they
// then load carries the new name.
func TestBoardFollowsRenamedDepartment(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		l := newLobby(t, db)
		l.offices.OnCommit(l.hub.Publish)
		ctx := context.Background()
		depName := func(snapshot []byte) string {
			var s struct {
				Departments []display.DepartmentCount `json:"departments"`
			}
			if err := json.Unmarshal(snapshot, &s); err != nil || len(s.Departments) != 1 {
				t.Fatalf("snapshot departments: %v %s", err, snapshot)
			}
			return s.Departments[0].Name
		}
		if got := depName(l.board.Snapshot()); got != "Dowody" {
			t.Fatalf("before: %q", got)
		}
		_, err := l.offices.UpdateDepartment(ctx, l.a.DepartmentID, func(d *office.DepartmentSpec) error {
			d.Name = "Dowody osobiste"
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		timeout := time.After(10 * time.Second)
		for open := true; open; {
			select {
			case _, open = <-l.feed.C:
			case <-timeout:
				t.Fatal("the screens were not told to start over")
			}
		}
		if !l.feed.Dropped() {
			t.Fatal("the feed was closed, not dropped for a resync")
		}
		snap, feed := l.board.Subscribe(10)
		defer feed.Close()
		if got := depName(snap); got != "Dowody osobiste" {
			t.Fatalf("after the rename the screens load %q", got)
		}
	})
}

// WriteSeq puts "seq" first in every message, whatever else it holds.
func TestWriteSeq(t *testing.T) {
	for _, c := range []struct {
		m    string
		seq  uint64
		want string
	}{
		{`{"type":"ping"}`, 0, `{"seq":0,"type":"ping"}`},
		{`{"type":"called","calls":[{"n":1}]}`, 18446744073709551615, `{"seq":18446744073709551615,"type":"called","calls":[{"n":1}]}`},
		{`{}`, 42, `{"seq":42}`},
	} {
		var b strings.Builder
		if err := display.WriteSeq(&b, display.Message(c.m), c.seq); err != nil {
			t.Fatal(err)
		}
		if b.String() != c.want || !json.Valid([]byte(b.String())) {
			t.Errorf("WriteSeq(%s, %d) = %s, want %s", c.m, c.seq, b.String(), c.want)
		}
	}
}
