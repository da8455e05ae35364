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
