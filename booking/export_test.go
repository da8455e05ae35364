package booking

import "time"

// SeatLockKeys is the PostgreSQL advisory lock keys of the seat cells the
// span [start, end) of a service touches, ascending: what the seat path
// locks for a booking of that span.
func SeatLockKeys(serviceID int64, start, end time.Time) []int64 {
	c := cellsOf(start, end)
	var out []int64
	for cell := c.first; cell <= c.last; cell++ {
		out = append(out, seatLockKey(serviceID, cell))
	}
	return out
}

// DrawCodes makes the seat path draw codes from next (then at random again)
// until the returned function restores it.
func DrawCodes(next func() (string, bool)) (restore func()) {
	saved := newCode
	newCode = func() (string, error) {
		if c, ok := next(); ok {
			return c, nil
		}
		return NewCode()
	}
	return func() { newCode = saved }
}
