// Package ratelimit counts events per key in fixed time windows: Counter in
// the database, so every instance of the application shares the same
// counts, and Memory in the process, for a single instance.
package ratelimit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
)

// Limiter counts events per key in fixed windows. A key's window starts
// with its first hit and lasts the window given to that hit; once it has
// ended, the next hit starts a new window at 1. Implementations are safe
// for concurrent use and count every hit exactly once: n hits at once on a
// fresh key return 1..n, each once.
type Limiter interface {
	// Hit counts one event for key and returns the number of events in the
	// key's current window, this one included, and when that window ends.
	Hit(ctx context.Context, key string, window time.Duration) (hits int, windowEnd time.Time, err error)
	// Undo takes back one event counted in key's current window, as if it
	// had not been hit; nothing when the window has ended or holds none.
	Undo(ctx context.Context, key string) error
}

var (
	_ Limiter = (*Counter)(nil)
	_ Limiter = (*Memory)(nil)
)

// Counter is a fixed-window counter over the rate_counters table. A key's
// window starts with its first hit and lasts the window given to that hit;
// once it has ended, the next hit starts a new window at 1.
type Counter struct {
	db    *gorm.DB
	clock okienko.Clock
}

// New returns a Counter over db.
func New(db *gorm.DB, clock okienko.Clock) *Counter {
	return &Counter{db: db, clock: clock}
}

// now is the clock's time in UTC at the precision both dialects store, so
// SQLite's textual times compare correctly and both dialects agree.
func (c *Counter) now() time.Time {
	return c.clock.Now().UTC().Truncate(time.Microsecond)
}

// hitSQL increments a key in one atomic statement on both PostgreSQL and
// SQLite (≥ 3.35): a missing key or an ended window starts over at 1 with a
// new window end. Parameters: key, new window end, now, now. The CASE
// expressions in SET see the row as it was before the update.
const hitSQL = `INSERT INTO rate_counters ("key", hits, window_end) VALUES (?, 1, ?)
ON CONFLICT ("key") DO UPDATE SET
	hits = CASE WHEN rate_counters.window_end <= ? THEN 1 ELSE rate_counters.hits + 1 END,
	window_end = CASE WHEN rate_counters.window_end <= ? THEN excluded.window_end ELSE rate_counters.window_end END
RETURNING hits, window_end`

// Hit counts one event for key and returns the number of events in the
// key's current window, this one included, and when that window ends. A
// window of its own starts when the key is new or its window has ended.
// Errors are EINVALID for a window that isn't positive, else EINTERNAL.
func (c *Counter) Hit(ctx context.Context, key string, window time.Duration) (hits int, windowEnd time.Time, err error) {
	if window <= 0 {
		return 0, time.Time{}, okienko.Errorf(okienko.EINVALID, "rate limit window must be positive")
	}
	now := c.now()
	var row struct {
		Hits      int64
		WindowEnd dbTime
	}
	err = c.db.WithContext(ctx).Raw(hitSQL, key, now.Add(window), now, now).Row().Scan(&row.Hits, &row.WindowEnd)
	if err != nil {
		return 0, time.Time{}, okienko.Internal(fmt.Errorf("rate counter hit %q: %w", key, err))
	}
	return int(row.Hits), row.WindowEnd.Time, nil
}

// undoSQL takes one hit back from a running window. Parameters: key, now.
const undoSQL = `UPDATE rate_counters SET hits = hits - 1 WHERE "key" = ? AND hits > 0 AND window_end > ?`

// Undo takes back one hit of key's running window, in one statement; a key
// without a running window is left alone. Errors are EINTERNAL.
func (c *Counter) Undo(ctx context.Context, key string) error {
	if err := c.db.WithContext(ctx).Exec(undoSQL, key, c.now()).Error; err != nil {
		return okienko.Internal(fmt.Errorf("rate counter undo %q: %w", key, err))
	}
	return nil
}

// Peek returns key's count and window end without counting anything: 0 and
// the zero time when the key has no window running. Errors are EINTERNAL.
func (c *Counter) Peek(ctx context.Context, key string) (hits int, windowEnd time.Time, err error) {
	var n int64
	var end dbTime
	rows, err := c.db.WithContext(ctx).Raw(`SELECT hits, window_end FROM rate_counters WHERE "key" = ?`, key).Rows()
	if err != nil {
		return 0, time.Time{}, okienko.Internal(fmt.Errorf("rate counter peek %q: %w", key, err))
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return 0, time.Time{}, okienko.Internal(fmt.Errorf("rate counter peek %q: %w", key, err))
		}
		return 0, time.Time{}, nil
	}
	if err := rows.Scan(&n, &end); err != nil {
		return 0, time.Time{}, okienko.Internal(fmt.Errorf("rate counter peek %q: %w", key, err))
	}
	if !end.After(c.now()) {
		return 0, time.Time{}, nil
	}
	return int(n), end.Time, nil
}

// Reset forgets key, so its next hit starts a new window. Resetting an
// unknown key is not an error. Errors are EINTERNAL.
func (c *Counter) Reset(ctx context.Context, key string) error {
	if err := c.db.WithContext(ctx).Exec(`DELETE FROM rate_counters WHERE "key" = ?`, key).Error; err != nil {
		return okienko.Internal(fmt.Errorf("rate counter reset %q: %w", key, err))
	}
	return nil
}

// Sweep deletes the keys whose window has ended and returns how many it
// deleted. Counting is correct without it; it only keeps the table small.
// Errors are EINTERNAL.
func (c *Counter) Sweep(ctx context.Context) (int64, error) {
	res := c.db.WithContext(ctx).Exec(`DELETE FROM rate_counters WHERE window_end <= ?`, c.now())
	if res.Error != nil {
		return 0, okienko.Internal(fmt.Errorf("rate counter sweep: %w", res.Error))
	}
	return res.RowsAffected, nil
}

// dbTime scans a time from either dialect: PostgreSQL drivers hand over a
// time.Time, SQLite may hand over the stored text when it can't tell the
// column's type (as for RETURNING). The result is always in UTC.
type dbTime struct{ time.Time }

// sqliteTimeFormats are the layouts SQLite times are written in.
var sqliteTimeFormats = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

// Scan implements sql.Scanner.
func (t *dbTime) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		t.Time = v.UTC()
		return nil
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	default:
		return fmt.Errorf("ratelimit: cannot scan %T as a time", src)
	}
}

func (t *dbTime) parse(s string) error {
	s = strings.TrimSuffix(s, "Z")
	for _, layout := range sqliteTimeFormats {
		if v, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return fmt.Errorf("ratelimit: cannot parse time %q", s)
}

// Take counts one event for key on l against at most max per window and
// reports whether it is allowed, and when the key's window ends. A refused
// event is taken back at once, so the count is of allowed events only and
// an allowed one taken back later with Undo (a refund) makes room again:
// however many come at once, at most max are allowed in a window (less the
// refunds). Errors are those of l.
func Take(ctx context.Context, l Limiter, key string, max int, window time.Duration) (allowed bool, windowEnd time.Time, err error) {
	n, end, err := l.Hit(ctx, key, window)
	if err != nil {
		return false, time.Time{}, err
	}
	if n <= max {
		return true, end, nil
	}
	return false, end, l.Undo(ctx, key)
}
