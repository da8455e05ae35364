package queue

import (
	"cmp"
	"slices"
	"time"

	"github.com/okienko/okienko/office"
)

// Policy is a department's call order rule (DESIGN section 12), read from
// its priority_policy and booking_grace_minutes.
type Policy struct {
	// Mode is office.PolicyStrict, PolicyRatio or PolicyAging.
	Mode string
	// Every is the ratio: one priority ticket after every Every others.
	Every int
	// MaxWait is aging's longest wait of a walk-in before it goes first.
	MaxWait time.Duration
	// Grace is how long after its slot a due booking may wait before it
	// goes ahead of everybody, under every mode.
	Grace time.Duration
}

// PolicyOf returns the department's policy.
func PolicyOf(d *office.Department) Policy {
	p := Policy{Mode: d.PriorityPolicy.Mode, Every: d.PriorityPolicy.Every,
		MaxWait: time.Duration(d.PriorityPolicy.MaxWaitMinutes) * time.Minute,
		Grace:   time.Duration(d.BookingGraceMinutes) * time.Minute}
	if p.Mode == "" {
		p.Mode = office.PolicyStrict
	}
	return p
}

// Rules is what the call order of one department depends on besides its
// waiting tickets and the time: the policy, and for the ratio the calls
// since the department's last priority call today (Since, from
// SinceFirst over its recent calls).
type Rules struct {
	Policy Policy
	Since  int
}

// First is whether t belongs with the priority tickets at now: a ticket
// from the kiosk's priority button, or a booking whose slot has begun.
// Every mode keeps each of the two groups in its own order (due time,
// then id); the modes differ in how they interleave them.
func First(t *Ticket, now time.Time) bool {
	return t.Priority || (t.Kind == KindBooking && !t.DueAt.After(now))
}

// deadline is when t must go ahead of everybody under p: a due booking
// its grace after its slot, under aging a walk-in (any ticket not First)
// max wait after its issue; ok false for a ticket with none.
func (p Policy) deadline(t *Ticket, now time.Time) (at time.Time, ok bool) {
	switch {
	case t.Kind == KindBooking && !t.DueAt.After(now):
		return t.DueAt.Add(p.Grace), true
	case p.Mode == office.PolicyAging && !First(t, now):
		return t.DueAt.Add(p.MaxWait), true
	}
	return time.Time{}, false
}

// overdue is whether t's deadline has come at now.
func (p Policy) overdue(t *Ticket, now time.Time) (time.Time, bool) {
	d, ok := p.deadline(t, now)
	return d, ok && !now.Before(d)
}

// SinceFirst counts the calls, newest first, before the first one of a
// ticket that was First when called: the ratio's count of others called
// since the last priority call. calls are a department's called tickets
// of the day by called_at descending; the count stops at MaxRatioEvery.
func SinceFirst(calls []Ticket) int {
	n := 0
	for i := range calls {
		c := &calls[i]
		if c.CalledAt == nil || First(c, *c.CalledAt) || n >= office.MaxRatioEvery {
			break
		}
		n++
	}
	return n
}

// CallOrder returns the waiting tickets in the order call next would take
// them at now if nobody else came: the one call order of the queue, which
// call next, the clerk's list and the people ahead of a resident all
// follow. Each department's tickets are ordered by its Rules (a
// department missing from rules is strict with no grace):
//
//   - First the overdue tickets, by their deadline then id: due bookings
//     whose slot began Grace ago or more and, under aging, walk-ins that
//     have waited MaxWait or more.
//   - Then strict: the First tickets (priority, due bookings), then the
//     others, each by due time (a walk-in's issue, a booking's slot) then id.
//   - ratio: the others by due time, one First ticket after every Every of
//     them (counting Since calls already made), while both kinds wait.
//   - aging: both by due time, a First ticket counting as if it had come
//     MaxWait/2 earlier: a walk-in who has waited more than half the
//     maximum longer than a priority ticket goes ahead of it, and one who
//     has waited the maximum goes ahead of all (the overdue above).
//
// A counter serving several departments takes, of their queues' heads, the
// one that is overdue earliest, else First, else due earliest, else the
// lowest id. CallOrder doesn't change waiting.
func CallOrder(waiting []Ticket, rules map[int64]Rules, now time.Time) []Ticket {
	byDept := map[int64][]Ticket{}
	var deps []int64
	for _, t := range waiting {
		if _, ok := byDept[t.DepartmentID]; !ok {
			deps = append(deps, t.DepartmentID)
		}
		byDept[t.DepartmentID] = append(byDept[t.DepartmentID], t)
	}
	if len(deps) == 1 {
		return departmentOrder(rules[deps[0]], byDept[deps[0]], now)
	}
	queues := make([][]Ticket, len(deps))
	for i, d := range deps {
		queues[i] = departmentOrder(rules[d], byDept[d], now)
	}
	out := make([]Ticket, 0, len(waiting))
	for len(out) < len(waiting) {
		best := -1
		for i, q := range queues {
			if len(q) == 0 {
				continue
			}
			if best < 0 || headBefore(rules[deps[i]].Policy, &q[0], rules[deps[best]].Policy, &queues[best][0], now) {
				best = i
			}
		}
		out = append(out, queues[best][0])
		queues[best] = queues[best][1:]
	}
	return out
}

// headBefore compares the heads of two departments' queues.
func headBefore(pa Policy, a *Ticket, pb Policy, b *Ticket, now time.Time) bool {
	da, oa := pa.overdue(a, now)
	db, ob := pb.overdue(b, now)
	if oa != ob {
		return oa
	}
	if oa && !da.Equal(db) {
		return da.Before(db)
	}
	if fa, fb := First(a, now), First(b, now); fa != fb {
		return fa
	}
	return byDue(a, b) < 0
}

// byDue orders by due time, then id.
func byDue(a, b *Ticket) int {
	if c := a.DueAt.Compare(b.DueAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// departmentOrder is CallOrder for the tickets of one department.
func departmentOrder(r Rules, ts []Ticket, now time.Time) []Ticket {
	p := r.Policy
	type due struct {
		at time.Time
		t  Ticket
	}
	var late []due
	var first, others []Ticket
	for _, t := range ts {
		if d, ok := p.overdue(&t, now); ok {
			late = append(late, due{d, t})
		} else if First(&t, now) {
			first = append(first, t)
		} else {
			others = append(others, t)
		}
	}
	slices.SortFunc(late, func(a, b due) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return cmp.Compare(a.t.ID, b.t.ID)
	})
	slices.SortFunc(first, func(a, b Ticket) int { return byDue(&a, &b) })
	slices.SortFunc(others, func(a, b Ticket) int { return byDue(&a, &b) })
	out := make([]Ticket, 0, len(ts))
	since := min(max(r.Since, 0), office.MaxRatioEvery)
	for _, d := range late {
		out = append(out, d.t)
		if First(&d.t, now) {
			since = 0
		} else {
			since++
		}
	}
	switch p.Mode {
	case office.PolicyRatio:
		every := max(p.Every, 1)
		for len(first) > 0 || len(others) > 0 {
			if len(first) > 0 && (since >= every || len(others) == 0) {
				out, first, since = append(out, first[0]), first[1:], 0
			} else {
				out, others, since = append(out, others[0]), others[1:], since+1
			}
		}
	case office.PolicyAging:
		head := p.MaxWait / 2
		for len(first) > 0 || len(others) > 0 {
			// A First ticket counts as come head earlier; on a tie it goes first.
			if len(first) > 0 && (len(others) == 0 || !others[0].DueAt.Before(first[0].DueAt.Add(-head))) {
				out, first = append(out, first[0]), first[1:]
			} else {
				out, others = append(out, others[0]), others[1:]
			}
		}
	default:
		out = append(append(out, first...), others...)
	}
	return out
}
