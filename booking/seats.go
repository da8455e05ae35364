package booking

import (
	"context"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/office"
)

// The seat path's locks (PostgreSQL; on SQLite the immediate transaction
// holds the database's write lock, which serialises everything).
//
// A booking counts the live bookings overlapping its slot's span, so it
// must not count while another booking of an overlapping span is counting
// and inserting. It locks the span's seat cells: the fixed seatCell-long
// cells of wall time the span touches, one transaction-scoped advisory lock
// per cell of the service. Two spans that overlap, on any grid (a slot
// length changed under load), share an instant and so a cell: they
// serialise; bookings of spans in different cells go on in parallel.
//
// Every lock of the seat path is taken in one statement in one global
// order, so nothing deadlocks: the seat cells in ascending order, then the
// resident's (lockResident's key), then the e-mail address's. Nothing takes
// them in another order or later in the same transaction (a transaction
// that finds it needs other cells rolls back and starts again). Rows
// locked after them (the booking's, then booking_load's in ascending span
// order) are never held while waiting for an advisory lock.

// seatCell is the length of the cells the seat locks are taken on: the
// shortest slot, so spans on a 5-minute grid lock only the cells they cover.
const seatCell = 5 * time.Minute

// maxSlot is the longest slot a service can have (MaxSlotMinutes, the bound
// ServiceSpec's validation puts on slot_minutes). A booking that overlaps
// [from, to) starts after from - maxSlot, which bounds the range of the
// index scans of booking_load and bookings.
const maxSlot = MaxSlotMinutes * time.Minute

// seatLockClass marks the bigint keys of seat cell locks: bit 62 set, so
// they never meet the keys of pg_advisory_xact_lock(hashtext(…)) (32-bit),
// and the two-key locks of residents and e-mail addresses live in a
// separate key space of PostgreSQL's.
const seatLockClass = int64(1) << 62

// cells is a range of seat cells, first to last inclusive, by index since
// the Unix epoch.
type cells struct{ first, last int64 }

// cellsOf is the range of seat cells the span [start, end) touches.
func cellsOf(start, end time.Time) cells {
	n := int64(seatCell / time.Second)
	endSec := end.Unix()
	if end.Nanosecond() > 0 {
		endSec++
	}
	return cells{first: floorDiv(start.Unix(), n), last: floorDiv(endSec-1, n)}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// covers reports whether c includes every cell of o.
func (c cells) covers(o cells) bool { return c.first <= o.first && o.last <= c.last }

// seatLockKey is the advisory lock key of one seat cell of a service. Ids
// beyond 2^30 share keys with smaller ones: that serialises more than it
// must, never less.
func seatLockKey(serviceID, cell int64) int64 {
	return seatLockClass | (serviceID&(1<<30-1))<<32 | (cell & (1<<32 - 1))
}

// residentLockClass is the first key of the PostgreSQL advisory locks that
// serialise one resident's bookings ("okres").
const residentLockClass = 0x6f6b7265

// emailLockClass is the first key of the PostgreSQL advisory locks that
// serialise the bookings made with one e-mail address ("okem").
const emailLockClass = 0x6f6b656d

func lockHash(s string) int32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return int32(h.Sum32())
}

// lockSeats takes, until tx ends and in the global order, the locks of the
// seat cells c of service serviceID, then, when not empty, the lock of the
// resident whose PESEL HMAC is resident (their limits count every matter,
// so two bookings of one resident for two matters must not both count
// before either inserts), then that of the e-mail address key emailKey.
// One statement, one round trip. A no-op on SQLite.
func lockSeats(tx *gorm.DB, serviceID int64, c cells, resident, emailKey string) error {
	return lockSpans(tx, []serviceCells{{serviceID, c}}, resident, emailKey)
}

// serviceCells is the range of seat cells one matter of a visit takes.
type serviceCells struct {
	serviceID int64
	cells     cells
}

// lockSpans is lockSeats for the cells of several matters (a visit of
// several matters): every cell's key of every matter in one ascending
// order, so a visit's transaction and a single booking's never wait for
// each other in a circle.
func lockSpans(tx *gorm.DB, spans []serviceCells, resident, emailKey string) error {
	if database.Dialect(tx) != database.Postgres {
		return nil
	}
	var keys []int64
	for _, sp := range spans {
		for cell := sp.cells.first; cell <= sp.cells.last; cell++ {
			keys = append(keys, seatLockKey(sp.serviceID, cell))
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	var q strings.Builder
	args := make([]any, 0, len(keys)+4)
	q.WriteString("SELECT ")
	for i, k := range keys {
		if i > 0 {
			q.WriteString(", ")
		}
		// Target list expressions run left to right: ascending keys.
		q.WriteString("pg_advisory_xact_lock(?)")
		args = append(args, k)
	}
	for _, k := range []struct {
		class int32
		key   string
	}{{residentLockClass, resident}, {emailLockClass, emailKey}} {
		if k.key != "" {
			q.WriteString(", pg_advisory_xact_lock(?, ?)")
			args = append(args, k.class, lockHash(k.key))
		}
	}
	return tx.Exec(q.String(), args...).Error
}

// seatQuery asks what the seat path counts: with Seats, the seats taken in
// the span [Start, End) of a service at Now; when PESEL is set, the
// resident's bookings the limits count (not counting booking Self); when
// EmailKey is set, the e-mail address's.
type seatQuery struct {
	Seats      bool
	ServiceID  int64
	Start, End time.Time
	Now        time.Time
	PESEL      string
	Day        office.Date
	Self       int64
	EmailKey   string
}

// seatCounts is the answer to a seatQuery.
type seatCounts struct {
	Load    int64 // live (booked, checked in) bookings overlapping the span
	Held    int64 // pending bookings overlapping it whose hold has not lapsed
	SameDay int64 // the resident's bookings holding a seat of this matter that day (any matter of a visit)
	Active  int64 // the resident's upcoming bookings, every matter (a visit of several counts once)
	ByEmail int64 // the e-mail address's upcoming bookings
}

// countSeats answers q in one statement (one snapshot, one round trip).
// The span's seats are read only from the rows that can overlap it:
// starting after Start - maxSlot and before End.
func countSeats(ctx context.Context, db *gorm.DB, q seatQuery) (seatCounts, error) {
	lower, start, end, now := q.Start.Add(-maxSlot).UTC(), q.Start.UTC(), q.End.UTC(), q.Now.UTC()
	var cols []string
	var args []any
	if q.Seats {
		cols = append(cols,
			`(SELECT COALESCE(SUM(n), 0) FROM booking_load WHERE service_id = ? AND starts_at > ? AND starts_at < ? AND ends_at > ?) AS load`,
			`(SELECT count(*) FROM bookings WHERE service_id = ? AND status = ? AND starts_at > ? AND starts_at < ? AND ends_at > ? AND confirm_by > ?) AS held`)
		args = append(args, q.ServiceID, lower, end, start, q.ServiceID, StatusPending, lower, end, start, now)
	}
	if q.PESEL != "" {
		cols = append(cols,
			`(SELECT count(*) FROM bookings WHERE pesel_hmac = ? AND day = ? AND id <> ?
				AND (service_id = ? OR (matters > 0 AND id IN (SELECT booking_id FROM booking_items WHERE service_id = ?)))
				AND (status IN ? OR (status = ? AND confirm_by > ?))) AS same_day`,
			`(SELECT count(*) FROM bookings WHERE pesel_hmac = ? AND starts_at > ? AND id <> ?
				AND (status = ? OR (status = ? AND confirm_by > ?))) AS active`)
		args = append(args, q.PESEL, q.Day, q.Self, q.ServiceID, q.ServiceID, liveStatuses, StatusPending, now,
			q.PESEL, now, q.Self, StatusBooked, StatusPending, now)
	}
	if q.EmailKey != "" {
		cols = append(cols, `(SELECT count(*) FROM bookings WHERE email_key = ? AND starts_at > ?
				AND (status = ? OR (status = ? AND confirm_by > ?))) AS by_email`)
		args = append(args, q.EmailKey, now, StatusBooked, StatusPending, now)
	}
	var out seatCounts
	if len(cols) == 0 {
		return out, nil
	}
	err := db.WithContext(ctx).Raw("SELECT "+strings.Join(cols, ", "), args...).Scan(&out).Error
	return out, err
}
