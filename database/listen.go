package database

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// Timing of a Listener.
const (
	listenConnectTimeout = 10 * time.Second       // connecting and LISTENing
	listenIdleCheck      = 30 * time.Second       // silence after which the listener pings
	listenPingTimeout    = 5 * time.Second        // that ping
	listenMinBackoff     = 100 * time.Millisecond // first wait before reconnecting
	listenMaxBackoff     = 5 * time.Second        // longest wait before reconnecting
)

// Notify sends payload on a PostgreSQL notification channel, prefixed with
// the schema of db's connection ("schema:payload"), so that Listeners of
// other schemas on the same database ignore it. The notification is
// delivered when the transaction db is in commits (at once outside one).
func Notify(ctx context.Context, db *gorm.DB, channel, payload string) error {
	return db.WithContext(ctx).Exec("SELECT pg_notify(?, coalesce(current_schema(), '') || ':' || ?)", channel, payload).Error
}

// Listener LISTENs on one PostgreSQL channel on a connection of its own and
// hands the payload of each notification of its schema (see Notify) to
// Notify, without the schema prefix. It reconnects when the connection
// fails, with backoff (100 ms doubling to 5 s, with jitter).
type Listener struct {
	URL     string // must name the same database and schema as the publishers' connections
	Channel string
	Log     *slog.Logger
	// Listening, when set, is called each time LISTEN becomes active; again
	// is true when an earlier connection failed or could not be made, so
	// notifications may have been missed.
	Listening func(again bool)
	// Notify receives the payloads, one at a time, on Run's goroutine.
	Notify func(ctx context.Context, payload string)

	mu     sync.Mutex
	pid    uint32 // backend pid of the LISTEN connection, 0 when there is none
	schema string // current_schema() of the LISTEN connection
}

// Run listens until ctx ends, then returns nil.
func (l *Listener) Run(ctx context.Context) error {
	backoff := listenMinBackoff
	missed := false
	for {
		conn, err := l.listen(ctx)
		if err == nil {
			backoff = listenMinBackoff
			if l.Listening != nil {
				l.Listening(missed)
			}
			missed = false
			err = l.receive(ctx, conn)
			l.mu.Lock()
			l.pid = 0
			l.mu.Unlock()
			closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = conn.Close(closeCtx)
			cancel()
		}
		if ctx.Err() != nil {
			return nil
		}
		l.log().Warn("listen connection failed; reconnecting", "channel", l.Channel, "err", err, "after", backoff)
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
		backoff = min(backoff*2, listenMaxBackoff)
	}
}

func (l *Listener) log() *slog.Logger {
	if l.Log == nil {
		return slog.Default()
	}
	return l.Log
}

// listen connects to the database and LISTENs on the channel.
func (l *Listener) listen(ctx context.Context) (*pgx.Conn, error) {
	cctx, cancel := context.WithTimeout(ctx, listenConnectTimeout)
	defer cancel()
	conn, err := pgx.Connect(cctx, l.URL)
	if err != nil {
		return nil, err
	}
	var schema string
	if _, err = conn.Exec(cctx, "LISTEN "+pgx.Identifier{l.Channel}.Sanitize()); err == nil {
		err = conn.QueryRow(cctx, "SELECT coalesce(current_schema(), '')").Scan(&schema)
	}
	if err != nil {
		_ = conn.Close(context.Background())
		return nil, err
	}
	l.mu.Lock()
	l.pid = conn.PgConn().PID()
	l.schema = schema
	l.mu.Unlock()
	return conn, nil
}

// receive hands notifications on until the connection fails or ctx ends.
// After listenIdleCheck without a notification it pings, to notice a
// connection that died silently.
func (l *Listener) receive(ctx context.Context, conn *pgx.Conn) error {
	schema := l.Schema()
	for {
		wctx, cancel := context.WithTimeout(ctx, listenIdleCheck)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			if !errors.Is(err, context.DeadlineExceeded) || conn.IsClosed() {
				return err
			}
			pctx, cancel := context.WithTimeout(ctx, listenPingTimeout)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
			continue
		}
		i := strings.LastIndexByte(n.Payload, ':')
		if i < 0 {
			l.log().Warn("notification without schema ignored", "channel", l.Channel, "payload", n.Payload)
			continue
		}
		if n.Payload[:i] != schema {
			continue // another schema's
		}
		l.Notify(ctx, n.Payload[i+1:])
	}
}

// PID returns the backend pid of the LISTEN connection, 0 when there is
// none.
func (l *Listener) PID() uint32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pid
}

// Schema returns the current schema of the last LISTEN connection.
func (l *Listener) Schema() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.schema
}
