package booking

import (
	"math/rand/v2"
	"testing"
	"time"
)

// Two spans that overlap, on any grid, share a seat cell: the property the
// seat locks rest on. Spans on the cells' 5-minute grid that don't overlap
// share none, so they never wait for each other.
func TestOverlappingSpansShareACell(t *testing.T) {
	base := time.Date(2031, 3, 4, 7, 30, 0, 0, time.UTC)
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 100000; i++ {
		a := base.Add(time.Duration(r.IntN(600)) * time.Minute)
		b := base.Add(time.Duration(r.IntN(600)) * time.Minute)
		ae := a.Add(time.Duration(5+r.IntN(476)) * time.Minute)
		be := b.Add(time.Duration(5+r.IntN(476)) * time.Minute)
		ca, cb := cellsOf(a, ae), cellsOf(b, be)
		overlap := a.Before(be) && b.Before(ae)
		share := ca.first <= cb.last && cb.first <= ca.last
		if overlap && !share {
			t.Fatalf("[%v, %v) and [%v, %v) overlap but lock cells %v and %v", a, ae, b, be, ca, cb)
		}
		onGrid := a.Minute()%5 == 0 && ae.Minute()%5 == 0 && b.Minute()%5 == 0 && be.Minute()%5 == 0
		if onGrid && share && !overlap {
			t.Fatalf("[%v, %v) and [%v, %v) don't overlap but share a cell: %v and %v", a, ae, b, be, ca, cb)
		}
	}
	if c := cellsOf(base, base.Add(15*time.Minute)); c.last-c.first != 2 {
		t.Fatalf("a 15-minute slot locks %d cells, want 3", c.last-c.first+1)
	}
	if c := cellsOf(base.Add(time.Second), base.Add(5*time.Minute+time.Nanosecond)); c.last-c.first != 1 {
		t.Fatalf("a span off the grid locks %v", c)
	}
}

// Seat lock keys of different services and cells differ, and stay clear
// of the 32-bit keys of pg_advisory_xact_lock(hashtext(…)).
func TestSeatLockKeys(t *testing.T) {
	seen := map[int64]bool{}
	for _, svc := range []int64{1, 2, 3, 1 << 20} {
		c := cellsOf(time.Date(2031, 3, 4, 7, 30, 0, 0, time.UTC), time.Date(2031, 3, 4, 15, 30, 0, 0, time.UTC))
		for cell := c.first; cell <= c.last; cell++ {
			k := seatLockKey(svc, cell)
			if seen[k] || k < 1<<32 {
				t.Fatalf("key %x of service %d cell %d", k, svc, cell)
			}
			seen[k] = true
		}
	}
}
