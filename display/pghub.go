package display

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/event"
)

// Channel is the PostgreSQL notification channel events cross instances on.
const Channel = "okienko_events"

const (
	publishTimeout = 2 * time.Second // longest a Publish waits for the database
	readTimeout    = 5 * time.Second // reading the rows of one notification
	maxPayload     = 7900            // ids per NOTIFY, in bytes (PostgreSQL allows < 8000 with the schema prefix)
)

// PGHub is the Hub of several instances on one PostgreSQL database. Publish
// sends the ids of committed events with NOTIFY; every instance, the
// publishing one included, LISTENs, reads the rows and delivers them, so all
// instances deliver in the same order (the order the NOTIFYs committed).
//
// A notification's payload is "schema:id,id,...", schema being the
// publisher's current_schema(); a hub ignores notifications of other schemas,
// so deployments (or tests) sharing a database in separate schemas do not
// see each other's events.
type PGHub struct {
	db       *gorm.DB
	log      *slog.Logger
	out      *fanout
	listener *database.Listener

	ready     chan struct{}
	readyOnce sync.Once
}

// NewPGHub returns a hub that notifies through db and listens on its own
// connection to databaseURL (which must name the same database and schema as
// db). It does nothing until Run.
func NewPGHub(databaseURL string, db *gorm.DB, log *slog.Logger) *PGHub {
	if log == nil {
		log = slog.Default()
	}
	h := &PGHub{db: db, log: log, out: newFanout(), ready: make(chan struct{})}
	h.listener = &database.Listener{URL: databaseURL, Channel: Channel, Log: log, Listening: h.listening, Notify: h.handle}
	return h
}

// Publish notifies every instance of the events' ids, in order. It waits for
// the database at most two seconds and logs a failure (the events are then
// lost to the displays, which resync on their next reconnect). It delivers
// nothing itself: this instance's subscribers get the events from Run.
func (h *PGHub) Publish(events []event.Event) {
	if len(events) == 0 {
		return
	}
	ids := make([]int64, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	ctx, cancel := context.WithTimeout(context.Background(), publishTimeout)
	defer cancel()
	for _, p := range payloads(ids, maxPayload) {
		if err := database.Notify(ctx, h.db, Channel, p); err != nil {
			h.log.Error("display: notify failed; events lost to live views", "err", err, "ids", p)
			return
		}
	}
}

// payloads joins ids with commas into strings of at most limit bytes each,
// keeping their order.
func payloads(ids []int64, limit int) []string {
	var out []string
	var b strings.Builder
	for _, id := range ids {
		s := strconv.FormatInt(id, 10)
		if b.Len() > 0 && b.Len()+1+len(s) > limit {
			out = append(out, b.String())
			b.Reset()
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s)
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

// Subscribe: see Hub.
func (h *PGHub) Subscribe(buffer int) *Subscription { return h.out.subscribe(buffer) }

// Subscribers returns how many subscriptions are live.
func (h *PGHub) Subscribers() int { return h.out.count() }

// Ready is closed once the first LISTEN is active: events published after it
// are delivered to this instance's subscribers.
func (h *PGHub) Ready() <-chan struct{} { return h.ready }

// Run listens on a dedicated connection and delivers the events of every
// notification to the subscribers, in id order within a notification. When
// the connection fails it reconnects with backoff (100 ms doubling to 5 s,
// with jitter) and, once listening again, delivers a Resync note to every
// subscriber, since events of the gap are lost; the same happens when the
// first connection attempts fail. It returns nil when ctx ends.
func (h *PGHub) Run(ctx context.Context) error { return h.listener.Run(ctx) }

// listening marks the hub ready and, after a gap, tells subscribers to
// resync.
func (h *PGHub) listening(again bool) {
	h.readyOnce.Do(func() { close(h.ready) })
	if again {
		h.log.Info("display: listening again; subscribers resync")
		h.out.deliver(Note{Resync: true})
	}
}

// handle reads the events a notification names and delivers them in id
// order. When they cannot be read, subscribers get a Resync instead.
func (h *PGHub) handle(ctx context.Context, payload string) {
	var ids []int64
	for _, s := range strings.Split(payload, ",") {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			h.log.Warn("display: bad event id in notification", "payload", payload)
			continue
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	var events []event.Event
	err := h.db.WithContext(rctx).
		Raw("SELECT id, at, type, object_type, object_id, data FROM events WHERE id IN ? ORDER BY id", ids).
		Scan(&events).Error
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		h.log.Error("display: reading notified events failed; subscribers resync", "err", err)
		h.out.deliver(Note{Resync: true})
		return
	}
	for _, e := range events {
		h.out.deliver(Note{Event: e})
	}
}

// listenerPID returns the backend pid of the LISTEN connection, 0 when there
// is none (for tests that kill it).
func (h *PGHub) listenerPID() uint32 { return h.listener.PID() }

// listenerSchema returns the current schema of the LISTEN connection.
func (h *PGHub) listenerSchema() string { return h.listener.Schema() }

var _ Hub = (*PGHub)(nil)
