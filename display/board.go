package display

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/okienko/okienko/event"
	"github.com/okienko/okienko/kiosk"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/queue"
)

// Message is one server message of the websocket protocol, rendered once
// for every connection: a JSON object with "type" and without "seq", which
// each connection adds (see WriteSeq).
type Message []byte

// WriteSeq writes m to w with "seq" as its first member, copying nothing:
// a message goes to every screen, each with its own number.
func WriteSeq(w io.Writer, m Message, seq uint64) error {
	var head [32]byte
	b := append(head[:0], `{"seq":`...)
	b = strconv.AppendUint(b, seq, 10)
	if len(m) > 2 {
		b = append(b, ',')
	}
	if _, err := w.Write(b); err != nil {
		return err
	}
	_, err := w.Write(m[1:])
	return err
}

func render(v any) Message {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // our own message types always marshal
	}
	return b
}

// Call is a ticket called (or called again) to a counter, as the hall shows it.
// Counter is the counter's name, as it is spoken; CounterLabel its short
// form for the screen, when the administrator gave it one.
type Call struct {
	TicketID     int64     `json:"ticket_id"`
	Number       string    `json:"number"`
	Counter      string    `json:"counter"`
	CounterLabel string    `json:"counter_label,omitempty"`
	CounterID    int64     `json:"counter_id"`
	DepartmentID int64     `json:"department_id"`
	Department   string    `json:"department"`
	Service      string    `json:"service"`
	Recall       bool      `json:"recall"`
	At           time.Time `json:"at"`
}

// DepartmentCount is a department with its waiting count.
type DepartmentCount struct {
	ID   int64  `json:"id"`
	Name string `json:"name,omitempty"`
	// NameEN and NameUK are the department's English and Ukrainian names,
	// left out where the office wrote none (a display shows Name then).
	NameEN  string `json:"name_en,omitempty"`
	NameUK  string `json:"name_uk,omitempty"`
	Prefix  string `json:"prefix,omitempty"`
	Waiting int    `json:"waiting"`
}

// MaxCalls is how many recent calls the board keeps.
const MaxCalls = 12

// The hall's last calls follow one rule, whether a board reads them from the
// database (Rebuild, as a freshly started server does) or keeps them from
// events (apply): today's tickets that were called to a counter and not sent
// back to the queue since (returned, transferred or expired), one entry per
// ticket at its last call, newest first, at most MaxCalls. Entries don't
// tell whether the call was a recall: the "called" message does. The database's
// side is queue.Store.RecentCalls; the events' side is callList.called and
// callList.removed, with a read of the database to refill the list when an
// entry leaves it. Screens draw the list they are sent (the "calls" of the
// snapshot, and of every message that changes it), so a screen left open
// and one loaded now show the same calls.
type callList []Call

// called puts c in its place, dropping an earlier call of its ticket, and
// keeps at most MaxCalls. The list is ordered by the time of the call,
// newest first, and calls at the same instant by ticket id, highest first,
// as the database orders them.
func (l callList) called(c Call) callList {
	out := make(callList, 0, min(len(l)+1, MaxCalls))
	placed := false
	for _, x := range l {
		if len(out) == MaxCalls {
			break
		}
		if x.TicketID == c.TicketID {
			continue
		}
		if !placed && (c.At.After(x.At) || c.At.Equal(x.At) && c.TicketID > x.TicketID) {
			out, placed = append(out, c), true
			if len(out) == MaxCalls {
				break
			}
		}
		out = append(out, x)
	}
	if !placed && len(out) < MaxCalls {
		out = append(out, c)
	}
	return out
}

// removed drops the ticket's entry (the list answered is never nil); ok is
// false when it had none.
func (l callList) removed(ticketID int64) (out callList, ok bool) {
	for i, x := range l {
		if x.TicketID == ticketID {
			out = make(callList, 0, len(l)-1)
			return append(append(out, l[:i]...), l[i+1:]...), true
		}
	}
	return l, false
}

// leavesCalls tells whether a ticket in status is no longer called: sent
// back to the queue (returned, transferred) or expired.
func leavesCalls(status string) bool {
	return status == queue.StatusWaiting || status == queue.StatusExpired
}

// Board is the live state of the hall of one office: the recent calls and
// the waiting counts, kept from the hub's events by one goroutine (Run), so
// each event is turned into messages once, whatever the number of screens.
// Screens subscribe to its messages.
type Board struct {
	hub     Hub
	queue   *queue.Store
	offices *office.Store
	version string
	log     *slog.Logger

	mu        sync.Mutex
	office    *office.Office
	loc       *time.Location
	deps      []DepartmentCount
	calls     callList
	names     names
	feeds     map[*Feed]struct{}
	ready     chan struct{}
	readyOnce sync.Once
}

// names resolves ids in events to what screens show.
type names struct {
	counters              map[int64]office.CounterSpec
	departments, services map[int64]string
}

// NewBoard returns a Board; call Run to keep it live.
func NewBoard(hub Hub, q *queue.Store, offices *office.Store, version string, log *slog.Logger) *Board {
	return &Board{hub: hub, queue: q, offices: offices, version: version, log: log, feeds: map[*Feed]struct{}{}, ready: make(chan struct{})}
}

// Ready is closed once Run has built the board the first time.
func (b *Board) Ready() <-chan struct{} { return b.ready }

// Feed is one screen's subscription to the board's messages.
type Feed struct {
	C       <-chan Message
	c       chan Message
	board   *Board
	dropped bool
	staff   bool // also gets the staff's messages (printer)
}

// Close ends the feed; its channel is closed.
func (f *Feed) Close() {
	f.board.mu.Lock()
	defer f.board.mu.Unlock()
	f.board.drop(f, false)
}

// Dropped tells whether the feed ended because the screen fell behind or the
// board had to resync.
func (f *Feed) Dropped() bool {
	f.board.mu.Lock()
	defer f.board.mu.Unlock()
	return f.dropped
}

func (b *Board) drop(f *Feed, dropped bool) {
	if _, ok := b.feeds[f]; ok {
		delete(b.feeds, f)
		f.dropped = dropped
		close(f.c)
	}
}

// Subscribe returns the board's snapshot and a feed of every message after
// it, at most buffer of them unread; a screen that falls further behind is
// dropped (its channel closed) and must subscribe again.
func (b *Board) Subscribe(buffer int) (Message, *Feed) { return b.subscribe(buffer, false) }

// SubscribeStaff is Subscribe for the staff's pages: the feed also carries
// messages the public screens never get, {"type":"printer","kiosk_id",
// "state","previous","at"} when a kiosk's printer changes state.
func (b *Board) SubscribeStaff(buffer int) (Message, *Feed) { return b.subscribe(buffer, true) }

func (b *Board) subscribe(buffer int, staff bool) (Message, *Feed) {
	if buffer < 1 {
		buffer = 1
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	c := make(chan Message, buffer)
	f := &Feed{C: c, c: c, board: b, staff: staff}
	b.feeds[f] = struct{}{}
	return b.snapshot(), f
}

// Snapshot returns the board's current snapshot message.
func (b *Board) Snapshot() Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.snapshot()
}

func (b *Board) snapshot() Message {
	type officeRef struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	var off officeRef
	if b.office != nil {
		off = officeRef{b.office.ID, b.office.Name}
	}
	calls := b.calls
	if calls == nil {
		calls = callList{}
	}
	deps := b.deps
	if deps == nil {
		deps = []DepartmentCount{}
	}
	return render(struct {
		Type        string            `json:"type"`
		Version     string            `json:"version"`
		Office      officeRef         `json:"office"`
		Departments []DepartmentCount `json:"departments"`
		Calls       callList          `json:"calls"`
	}{"snapshot", b.version, off, deps, calls})
}

// OfficeID is the id of the board's office (0 before the first Rebuild).
func (b *Board) OfficeID() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.office == nil {
		return 0
	}
	return b.office.ID
}

// broadcast sends m to every feed; a full feed is dropped.
func (b *Board) broadcast(m Message) { b.send(m, false) }

// send sends m to every feed, or only to the staff's; a full feed is
// dropped.
func (b *Board) send(m Message, staffOnly bool) {
	for f := range b.feeds {
		if staffOnly && !f.staff {
			continue
		}
		select {
		case f.c <- m:
		default:
			b.drop(f, true)
		}
	}
}

// resyncAll tells every screen to start over and drops its feed.
func (b *Board) resyncAll() {
	m := render(map[string]string{"type": "resync"})
	for f := range b.feeds {
		select {
		case f.c <- m:
		default:
		}
		b.drop(f, true)
	}
}

// Rebuild reads the board's state from the database.
func (b *Board) Rebuild(ctx context.Context) error {
	off, err := b.offices.Office(ctx)
	if err != nil {
		return err
	}
	n, deps, err := b.readNames(ctx)
	if err != nil {
		return err
	}
	counts, err := b.queue.WaitingByDepartment(ctx)
	if err != nil {
		return err
	}
	loc := off.Location()
	calls, err := b.readCalls(ctx, n, loc)
	if err != nil {
		return err
	}
	for i := range deps {
		deps[i].Waiting = counts[deps[i].ID]
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.office, b.loc, b.names, b.deps, b.calls = off, loc, n, deps, calls
	return nil
}

// readCalls reads the last calls from the database, by the rule of
// callList.
func (b *Board) readCalls(ctx context.Context, n names, loc *time.Location) (callList, error) {
	recent, err := b.queue.RecentCalls(ctx, MaxCalls)
	if err != nil {
		return nil, err
	}
	calls := make(callList, 0, len(recent))
	for _, t := range recent {
		calls = append(calls, n.call(t.ID, t.Number, *t.CounterID, t.DepartmentID, t.ServiceID, false, t.CalledAt.In(loc)))
	}
	return calls, nil
}

func (b *Board) readNames(ctx context.Context) (names, []DepartmentCount, error) {
	n := names{counters: map[int64]office.CounterSpec{}, departments: map[int64]string{}, services: map[int64]string{}}
	deps, err := b.offices.Departments(ctx, true)
	if err != nil {
		return n, nil, err
	}
	out := make([]DepartmentCount, 0, len(deps))
	for _, d := range deps {
		n.departments[d.ID] = d.Name
		for _, s := range d.Services {
			n.services[s.ID] = s.Name
		}
		out = append(out, DepartmentCount{ID: d.ID, Name: d.Name, NameEN: d.NameEN, NameUK: d.NameUK, Prefix: d.TicketPrefix})
	}
	cs, err := b.offices.Counters(ctx)
	if err != nil {
		return n, nil, err
	}
	for _, c := range cs {
		n.counters[c.ID] = c.CounterSpec
	}
	return n, out, nil
}

// call is a Call with its names; at is kept to the microsecond, as both
// databases store it, so a call read back equals the call as it was made.
func (n names) call(ticketID int64, number string, counterID, departmentID, serviceID int64, recall bool, at time.Time) Call {
	c := n.counters[counterID]
	label := c.Label
	if label == c.Name {
		label = ""
	}
	return Call{TicketID: ticketID, Number: number, Counter: c.Name, CounterLabel: label, CounterID: counterID,
		DepartmentID: departmentID, Department: n.departments[departmentID], Service: n.services[serviceID], Recall: recall, At: at.Truncate(time.Microsecond)}
}

// ticketEvent is the data queue events carry.
type ticketEvent struct {
	Number       string `json:"number"`
	Status       string `json:"status"`
	ServiceID    int64  `json:"service_id"`
	DepartmentID int64  `json:"department_id"`
	CounterID    int64  `json:"counter_id"`
	Recall       bool   `json:"recall"`
}

// Run keeps the board live from the hub until ctx ends: it rebuilds, then
// turns each event into messages for the screens. When the hub drops it or
// reports lost events, or the catalog changed (names, departments), it
// rebuilds and tells every screen to resync.
func (b *Board) Run(ctx context.Context) error {
	for {
		sub := b.hub.Subscribe(4096)
		if err := b.Rebuild(ctx); err != nil {
			sub.Close()
			if ctx.Err() != nil {
				return nil
			}
			b.log.Error("display board: rebuild", "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(5 * time.Second):
			}
			continue
		}
		b.mu.Lock()
		b.resyncAll()
		b.mu.Unlock()
		b.readyOnce.Do(func() { close(b.ready) })
		if done := b.follow(ctx, sub); done {
			return nil
		}
	}
}

// follow applies notes until ctx ends (true) or the board must rebuild.
func (b *Board) follow(ctx context.Context, sub *Subscription) bool {
	defer sub.Close()
	for {
		select {
		case <-ctx.Done():
			return true
		case n, ok := <-sub.C:
			if !ok || n.Resync {
				return false
			}
			if n.Event.Type == office.EventCatalogChanged {
				// A name or a department changed: the board reads
				// everything again and every screen starts over, so
				// names shown and spoken are the new ones. The cache is
				// told first, so the rebuild doesn't read its old copy.
				b.offices.Heard(n.Event)
				return false
			}
			b.apply(ctx, n.Event)
		}
	}
}

// apply turns one event into messages.
func (b *Board) apply(ctx context.Context, e event.Event) {
	if e.ObjectType == "kiosk" && e.Type == kiosk.EventPrinter {
		b.printer(e)
		return
	}
	if e.ObjectType == "counter" && e.Type == queue.EventCounter {
		b.counter(e)
		return
	}
	if e.ObjectType != "ticket" {
		return
	}
	var d ticketEvent
	if err := json.Unmarshal([]byte(e.Data), &d); err != nil {
		b.log.Warn("display board: bad event data", "event", e.ID, "err", err)
		return
	}
	b.announce(ctx, e, d)
	// The waiting counts are read after the call went out: the screens
	// show the called number without waiting for this query.
	counts, err := b.queue.WaitingByDepartment(ctx)
	if err != nil {
		b.log.Warn("display board: waiting counts", "err", err)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	changed := false
	for i := range b.deps {
		if w := counts[b.deps[i].ID]; w != b.deps[i].Waiting {
			b.deps[i].Waiting, changed = w, true
		}
	}
	if changed {
		out := make([]DepartmentCount, len(b.deps))
		for i, d := range b.deps {
			out[i] = DepartmentCount{ID: d.ID, Waiting: d.Waiting}
		}
		b.broadcast(render(struct {
			Type        string            `json:"type"`
			Departments []DepartmentCount `json:"departments"`
		}{"waiting", out}))
	}
}

// announce sends the screens what a ticket's event changed: a "called"
// message for a call, and a "ticket" message with the list of calls when
// the event changed it.
func (b *Board) announce(ctx context.Context, e event.Event, d ticketEvent) {
	// A ticket leaving the calls: the list is refilled from the database,
	// read before taking the lock, as a fresh board would read it.
	var refill callList
	refilled := false
	if e.Type != queue.EventCalled && leavesCalls(d.Status) {
		b.mu.Lock()
		_, listed := b.calls.removed(e.ObjectID)
		n, loc := b.names, b.loc
		b.mu.Unlock()
		if listed && loc != nil {
			var err error
			if refill, err = b.readCalls(ctx, n, loc); err == nil {
				refilled = true
			} else {
				b.log.Warn("display board: last calls", "err", err)
			}
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var calls callList // the list after this event, when the event changed it
	if e.Type == queue.EventCalled && d.CounterID != 0 {
		if _, known := b.names.counters[d.CounterID]; !known {
			b.mu.Unlock()
			n, _, err := b.readNames(ctx)
			b.mu.Lock()
			if err == nil {
				b.names = n
			}
		}
		at := e.At
		if b.loc != nil {
			at = at.In(b.loc)
		}
		c := b.names.call(e.ObjectID, d.Number, d.CounterID, d.DepartmentID, d.ServiceID, d.Recall, at)
		entry := c
		entry.Recall = false // the list tells who is called, the message whether again
		b.calls = b.calls.called(entry)
		calls = b.calls
		b.broadcast(render(struct {
			Type string `json:"type"`
			Call
			Calls callList `json:"calls"`
		}{"called", c, calls}))
	} else if leavesCalls(d.Status) {
		if refilled {
			b.calls, calls = refill, refill
		} else if l, ok := b.calls.removed(e.ObjectID); ok {
			b.calls, calls = l, l
		}
	}
	b.broadcast(render(struct {
		Type         string    `json:"type"`
		TicketID     int64     `json:"ticket_id"`
		Number       string    `json:"number"`
		Status       string    `json:"status"`
		ServiceID    int64     `json:"service_id"`
		DepartmentID int64     `json:"department_id"`
		CounterID    int64     `json:"counter_id,omitempty"`
		Calls        *callList `json:"calls,omitempty"`
	}{"ticket", e.ObjectID, d.Number, d.Status, d.ServiceID, d.DepartmentID, d.CounterID, ticketCalls(e.Type, calls)}))
}

// ticketCalls is the list a "ticket" message carries: the list when the
// event changed it other than by a call (which the "called" message
// carries); nil, left out, otherwise.
func ticketCalls(typ string, calls callList) *callList {
	if typ == queue.EventCalled || calls == nil {
		return nil
	}
	return &calls
}

// counter tells the screens a counter opened, paused or closed:
// {"type":"counter","counter_id","status","service_ids"}; a resident's
// ticket page of one of those matters learns whether anybody serves it.
func (b *Board) counter(e event.Event) {
	var d struct {
		Status     string  `json:"status"`
		ServiceIDs []int64 `json:"service_ids"`
	}
	if err := json.Unmarshal([]byte(e.Data), &d); err != nil {
		b.log.Warn("display board: bad event data", "event", e.ID, "err", err)
		return
	}
	if d.ServiceIDs == nil {
		d.ServiceIDs = []int64{}
	}
	m := render(struct {
		Type       string  `json:"type"`
		CounterID  int64   `json:"counter_id"`
		Status     string  `json:"status"`
		ServiceIDs []int64 `json:"service_ids"`
	}{"counter", e.ObjectID, d.Status, d.ServiceIDs})
	b.mu.Lock()
	defer b.mu.Unlock()
	b.broadcast(m)
}

// PrinterMessage is the staff's message of a kiosk's printer changing
// state.
type PrinterMessage struct {
	Type     string    `json:"type"` // "printer"
	KioskID  int64     `json:"kiosk_id"`
	State    string    `json:"state"`
	Previous string    `json:"previous"`
	At       time.Time `json:"at"`
}

// printer tells the staff's feeds of a printer's change of state.
func (b *Board) printer(e event.Event) {
	var c kiosk.PrinterChange
	if err := json.Unmarshal([]byte(e.Data), &c); err != nil {
		b.log.Warn("display board: bad event data", "event", e.ID, "err", err)
		return
	}
	m := render(PrinterMessage{Type: "printer", KioskID: e.ObjectID, State: c.State, Previous: c.Previous, At: e.At})
	b.mu.Lock()
	defer b.mu.Unlock()
	b.send(m, true)
}
