package display

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/okienko/okienko/event"
)

// Channel is the PostgreSQL notification channel events cross instances on.
const Channel = "okienko_events"

const (
	publishTimeout = 2 * time.Second        // longest a Publish waits for the database
	readTimeout    = 5 * time.Second        // reading the rows of one notification
	connectTimeout = 10 * time.Second       // connecting and LISTENing
	idleCheck      = 30 * time.Second       // silence after which the listener pings
	pingTimeout    = 5 * time.Second        // that ping
	minBackoff     = 100 * time.Millisecond // first wait before reconnecting
	maxBackoff     = 5 * time.Second        // longest wait before reconnecting
	maxPayload     = 7900                   // ids per NOTIFY, in bytes (PostgreSQL allows < 8000 with the schema prefix)
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
	url string
	db  *gorm.DB
	log *slog.Logger
	out *fanout

	ready     chan struct{}
	readyOnce sync.Once

	mu     sync.Mutex
	pid    uint32 // backend pid of the LISTEN connection, 0 when there is none
	schema string // current_schema() of the LISTEN connection
}

// NewPGHub returns a hub that notifies through db and listens on its own
// connection to databaseURL (which must name the same database and schema as
// db). It does nothing until Run.
func NewPGHub(databaseURL string, db *gorm.DB, log *slog.Logger) *PGHub {
	if log == nil {
		log = slog.Default()
	}
	return &PGHub{url: databaseURL, db: db, log: log, out: newFanout(), ready: make(chan struct{})}
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
		err := h.db.WithContext(ctx).
			Exec("SELECT pg_notify(?, coalesce(current_schema(), '') || ':' || ?)", Channel, p).Error
		if err != nil {
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
func (h *PGHub) Run(ctx context.Context) error {
	backoff := minBackoff
	missed := false // whether subscribers may have missed events
	for {
		conn, err := h.listen(ctx)
		if err == nil {
			backoff = minBackoff
			h.readyOnce.Do(func() { close(h.ready) })
			if missed {
				h.log.Info("display: listening again; subscribers resync")
				h.out.deliver(Note{Resync: true})
				missed = false
			}
			err = h.receive(ctx, conn)
			h.mu.Lock()
			h.pid = 0
			h.mu.Unlock()
			closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = conn.Close(closeCtx)
			cancel()
		}
		if ctx.Err() != nil {
			return nil
		}
		h.log.Warn("display: listen connection failed; reconnecting", "err", err, "after", backoff)
		missed = true
		// Wait between half and all of backoff, so instances spread out.
		wait := backoff/2 + rand.N(backoff/2+1)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// listen connects to the database and LISTENs on Channel.
func (h *PGHub) listen(ctx context.Context) (*pgx.Conn, error) {
	cctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	conn, err := pgx.Connect(cctx, h.url)
	if err != nil {
		return nil, err
	}
	var schema string
	if _, err = conn.Exec(cctx, "LISTEN "+Channel); err == nil {
		err = conn.QueryRow(cctx, "SELECT coalesce(current_schema(), '')").Scan(&schema)
	}
	if err != nil {
		_ = conn.Close(context.Background())
		return nil, err
	}
	h.mu.Lock()
	h.pid = conn.PgConn().PID()
	h.schema = schema
	h.mu.Unlock()
	return conn, nil
}

// receive delivers notifications until the connection fails or ctx ends.
// After idleCheck without a notification it pings, to notice a connection
// that died silently.
func (h *PGHub) receive(ctx context.Context, conn *pgx.Conn) error {
	h.mu.Lock()
	schema := h.schema
	h.mu.Unlock()
	for {
		wctx, cancel := context.WithTimeout(ctx, idleCheck)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			if !errors.Is(err, context.DeadlineExceeded) || conn.IsClosed() {
				return err
			}
			pctx, cancel := context.WithTimeout(ctx, pingTimeout)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
			continue
		}
		h.handle(ctx, schema, n.Payload)
	}
}

// handle reads the events a notification names and delivers them in id
// order. When they cannot be read, subscribers get a Resync instead.
func (h *PGHub) handle(ctx context.Context, schema, payload string) {
	i := strings.LastIndexByte(payload, ':')
	if i < 0 {
		h.log.Warn("display: notification without schema ignored", "payload", payload)
		return
	}
	if payload[:i] != schema {
		return // another schema's events
	}
	var ids []int64
	for _, s := range strings.Split(payload[i+1:], ",") {
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
func (h *PGHub) listenerPID() uint32 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.pid
}

// listenerSchema returns the current schema of the LISTEN connection.
func (h *PGHub) listenerSchema() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.schema
}

var _ Hub = (*PGHub)(nil)
