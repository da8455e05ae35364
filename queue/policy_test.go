package queue_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/queue"
)

// The call order's properties, over many random queues and simulated days
// (seeded, so a failure repeats: the seed is in its message).

var day0 = time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)

func minute(m int) time.Time { return day0.Add(time.Duration(m) * time.Minute) }

// todayOrder is the order before policies (the SQL ORDER BY of call next
// until December 2026): priority tickets and bookings whose slot has begun,
// then the rest, each by due time, then id.
func todayOrder(ts []queue.Ticket, now time.Time) []queue.Ticket {
	out := slices.Clone(ts)
	rank := func(t *queue.Ticket) int {
		if t.Priority || (t.Kind == queue.KindBooking && !t.DueAt.After(now)) {
			return 0
		}
		return 1
	}
	slices.SortFunc(out, func(a, b queue.Ticket) int {
		return cmp.Or(cmp.Compare(rank(&a), rank(&b)), a.DueAt.Compare(b.DueAt), cmp.Compare(a.ID, b.ID))
	})
	return out
}

func numbers(ts []queue.Ticket) []int64 {
	out := make([]int64, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

// randomQueue is up to 40 waiting tickets of department dep issued in the
// two hours before now (bookings with slots from two hours before to an
// hour after), ids from next.
func randomQueue(rng *rand.Rand, dep int64, now time.Time, next *int64) []queue.Ticket {
	n := rng.IntN(41)
	ts := make([]queue.Ticket, n)
	for i := range ts {
		*next++
		t := queue.Ticket{ID: *next, DepartmentID: dep, Kind: queue.KindWalkIn, Status: queue.StatusWaiting}
		switch rng.IntN(4) {
		case 0:
			t.Kind = queue.KindBooking
			t.DueAt = now.Add(time.Duration(rng.IntN(180)-120) * time.Minute)
		case 1:
			t.Priority = true
			fallthrough
		default:
			t.DueAt = now.Add(-time.Duration(rng.IntN(120)) * time.Minute)
		}
		if rng.IntN(5) == 0 && i > 0 { // ties of due time
			t.DueAt = ts[rng.IntN(i)].DueAt
		}
		t.IssuedAt = t.DueAt
		ts[i] = t
	}
	return ts
}

func randomPolicy(rng *rand.Rand) queue.Policy {
	p := queue.Policy{Grace: time.Duration(rng.IntN(31)) * time.Minute}
	switch rng.IntN(3) {
	case 0:
		p.Mode = office.PolicyStrict
	case 1:
		p.Mode, p.Every = office.PolicyRatio, 1+rng.IntN(office.MaxRatioEvery)
	default:
		p.Mode, p.MaxWait = office.PolicyAging, time.Duration(office.MinAgingMaxWait+rng.IntN(120))*time.Minute
	}
	return p
}

// Every policy: the order is a permutation of the queue, doesn't change its
// argument, and ranks a department's tickets the same alone or merged with
// another department's (a counter serving both).
func TestCallOrderPermutation(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 23))
	for run := 0; run < 2000; run++ {
		var next int64
		now := minute(240)
		a, b := randomQueue(rng, 1, now, &next), randomQueue(rng, 2, now, &next)
		rules := map[int64]queue.Rules{1: {Policy: randomPolicy(rng), Since: rng.IntN(25)}, 2: {Policy: randomPolicy(rng), Since: rng.IntN(25)}}
		both := append(slices.Clone(a), b...)
		before := slices.Clone(both)
		got := queue.CallOrder(both, rules, now)
		if !slices.Equal(numbers(both), numbers(before)) {
			t.Fatalf("run %d: CallOrder changed its argument", run)
		}
		ids := numbers(got)
		slices.Sort(ids)
		want := numbers(before)
		slices.Sort(want)
		if !slices.Equal(ids, want) {
			t.Fatalf("run %d: not a permutation: %v of %v", run, ids, want)
		}
		alone := numbers(queue.CallOrder(a, rules, now))
		var merged []int64
		for _, tk := range got {
			if tk.DepartmentID == 1 {
				merged = append(merged, tk.ID)
			}
		}
		if !slices.Equal(alone, merged) {
			t.Fatalf("run %d: department 1 alone %v, merged %v", run, alone, merged)
		}
	}
}

// Strict is the order before policies, except that a booking that has
// waited its grace since its slot goes ahead of everybody (by slot, then
// id); when no booking has, the two are equal.
func TestCallOrderStrictIsTodays(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 23))
	equalRuns := 0
	for run := 0; run < 3000; run++ {
		var next int64
		now := minute(240)
		ts := randomQueue(rng, 1, now, &next)
		p := queue.Policy{Mode: office.PolicyStrict, Grace: time.Duration(rng.IntN(60)) * time.Minute}
		got := numbers(queue.CallOrder(ts, map[int64]queue.Rules{1: {Policy: p}}, now))
		var late, rest []queue.Ticket
		for _, tk := range ts {
			if tk.Kind == queue.KindBooking && !now.Before(tk.DueAt.Add(p.Grace)) {
				late = append(late, tk)
			} else {
				rest = append(rest, tk)
			}
		}
		want := numbers(append(todayOrder(late, now), todayOrder(rest, now)...))
		if !slices.Equal(got, want) {
			t.Fatalf("run %d (seed 2): strict %v, want %v", run, got, want)
		}
		if len(late) == 0 {
			equalRuns++
			if today := numbers(todayOrder(ts, now)); !slices.Equal(got, today) {
				t.Fatalf("run %d: strict %v, today's %v", run, got, today)
			}
		}
	}
	if equalRuns < 100 {
		t.Fatalf("only %d queues without a late booking: the generator tests too little", equalRuns)
	}
}

// simDay is a simulated day of one department: counters serving all its
// matters call at once when free, each visit lasting 1 to maxService
// minutes; tickets arrive by arrivals (IssuedAt, the minute they join).
type simDay struct {
	policy     queue.Policy
	counters   int
	maxService int
	arrivals   []queue.Ticket
	// check is told of every call: the waiting tickets, the ratio's count
	// of calls since the last priority call, the time and the one called.
	check func(waiting []queue.Ticket, since int, now time.Time, called queue.Ticket)
}

// run simulates the day until everybody is called, and answers when each
// ticket (by id) was called.
func (d simDay) run(rng *rand.Rand) map[int64]time.Time {
	arrivals := slices.Clone(d.arrivals)
	slices.SortStableFunc(arrivals, func(a, b queue.Ticket) int { return a.IssuedAt.Compare(b.IssuedAt) })
	free := make([]time.Time, d.counters)
	for i := range free {
		free[i] = day0
	}
	var waiting, history []queue.Ticket // history newest first
	called := map[int64]time.Time{}
	for m := 0; len(called) < len(d.arrivals); m++ {
		now := minute(m)
		for len(arrivals) > 0 && !arrivals[0].IssuedAt.After(now) {
			waiting, arrivals = append(waiting, arrivals[0]), arrivals[1:]
		}
		for c := range free {
			if free[c].After(now) || len(waiting) == 0 {
				continue
			}
			since := queue.SinceFirst(history)
			order := queue.CallOrder(waiting, map[int64]queue.Rules{1: {Policy: d.policy, Since: since}}, now)
			tk := order[0]
			if d.check != nil {
				d.check(waiting, since, now, tk)
			}
			waiting = slices.DeleteFunc(waiting, func(o queue.Ticket) bool { return o.ID == tk.ID })
			at := now
			tk.CalledAt, tk.Status = &at, queue.StatusCalled
			history = append([]queue.Ticket{tk}, history...)
			history = history[:min(len(history), office.MaxRatioEvery+1)]
			called[tk.ID] = now
			free[c] = now.Add(time.Duration(1+rng.IntN(d.maxService)) * time.Minute)
		}
		if m > 100000 {
			panic("the simulated day does not end")
		}
	}
	return called
}

// deadlineDay is a day of arrivals whose deadlines (a walk-in's arrival
// plus maxWait under aging, a booking's slot plus grace) fall on distinct
// points maxService minutes apart, with a flood of priority tickets (more
// than the counters serve) between them: the load under which the bound
// below holds.
func deadlineDay(rng *rand.Rand, p queue.Policy, counters, maxService int, walkIns bool) []queue.Ticket {
	var out []queue.Ticket
	id := int64(0)
	add := func(t queue.Ticket) {
		id++
		t.ID, t.DepartmentID, t.Status = id, 1, queue.StatusWaiting
		out = append(out, t)
	}
	const length = 4 * 60
	// The flood: about 1.5 priority tickets per minute a counter serves.
	for m := 0; m < length; m++ {
		for k := 0; k < counters*3/(maxService+1)+rng.IntN(2); k++ {
			add(queue.Ticket{Kind: queue.KindWalkIn, Priority: true, IssuedAt: minute(m), DueAt: minute(m)})
		}
	}
	grace := int(p.Grace / time.Minute)
	maxWait := int(p.MaxWait / time.Minute)
	for dl := 200; dl < length+200; dl += maxService + rng.IntN(5) {
		switch rng.IntN(3) {
		case 0:
			if walkIns {
				kind := queue.KindWalkIn
				if rng.IntN(4) == 0 {
					kind = queue.KindRemote
				}
				add(queue.Ticket{Kind: kind, IssuedAt: minute(dl - maxWait), DueAt: minute(dl - maxWait)})
			}
		case 1: // a booking checked in up to 30 minutes before its slot
			slot := dl - grace
			in := slot - rng.IntN(31)
			add(queue.Ticket{Kind: queue.KindBooking, IssuedAt: minute(in), DueAt: minute(slot)})
		}
	}
	return out
}

// Every policy, 1–3 counters, a priority flood: a booking is called at
// most its grace after its slot plus one service time (maxService: the
// counter that frees first finishing its visit); under aging a walk-in
// waits at most max wait plus one service time. The bound stands when the
// tickets with a deadline don't come in a crowd: their deadlines at least
// one service time apart (deadlineDay).
func TestCallOrderDeadlines(t *testing.T) {
	for seed := uint64(0); seed < 30; seed++ {
		rng := rand.New(rand.NewPCG(seed, 3))
		p := randomPolicy(rng)
		counters, maxService := 1+rng.IntN(3), 1+rng.IntN(12)
		day := simDay{policy: p, counters: counters, maxService: maxService,
			arrivals: deadlineDay(rng, p, counters, maxService, p.Mode == office.PolicyAging)}
		called := day.run(rng)
		slack := time.Duration(maxService) * time.Minute
		walkIns, bookings := 0, 0
		for _, tk := range day.arrivals {
			switch {
			case tk.Kind == queue.KindBooking:
				bookings++
				if limit := tk.DueAt.Add(p.Grace + slack); called[tk.ID].After(limit) {
					t.Fatalf("seed %d %+v, %d counters, visits up to %d min: booking %d of %s called %s, after %s",
						seed, p, counters, maxService, tk.ID, tk.DueAt.Format("15:04"), called[tk.ID].Format("15:04"), limit.Format("15:04"))
				}
			case !tk.Priority && p.Mode == office.PolicyAging:
				walkIns++
				if wait := called[tk.ID].Sub(tk.IssuedAt); wait > p.MaxWait+slack {
					t.Fatalf("seed %d %+v, %d counters, visits up to %d min: walk-in %d of %s waited %s",
						seed, p, counters, maxService, tk.ID, tk.IssuedAt.Format("15:04"), wait)
				}
			}
		}
		if bookings == 0 {
			t.Fatalf("seed %d: no bookings simulated", seed)
		}
	}
}

// Under strict, the same flood starves walk-ins: the property above is
// aging's doing (a check that the simulation can fail).
func TestCallOrderStrictStarves(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	p := queue.Policy{Mode: office.PolicyAging, MaxWait: 45 * time.Minute, Grace: 10 * time.Minute}
	arrivals := deadlineDay(rng, p, 1, 10, true)
	p.Mode = office.PolicyStrict
	called := simDay{policy: p, counters: 1, maxService: 10, arrivals: arrivals}.run(rng)
	worst := time.Duration(0)
	for _, tk := range arrivals {
		if !tk.Priority && tk.Kind != queue.KindBooking {
			worst = max(worst, called[tk.ID].Sub(tk.IssuedAt))
		}
	}
	if worst < 3*time.Hour {
		t.Fatalf("under strict the worst walk-in waited only %s: the flood is no flood", worst)
	}
}

// Ratio over random days (mixed arrivals, 1–3 counters, all serving the
// matters): at every call that doesn't take an overdue booking (one past
// its grace, which goes ahead under every mode), when Every others have
// been called since the last priority call and a priority ticket (or due
// booking) waits, one is called; when fewer have and another waits, another
// is. So in the department's sequence of calls there are never more than
// Every others in a row while a priority ticket waits, and never two
// priority calls in a row while another waits, save for overdue bookings.
func TestCallOrderRatio(t *testing.T) {
	mixed := 0
	for seed := uint64(0); seed < 60; seed++ {
		rng := rand.New(rand.NewPCG(seed, 4))
		p := queue.Policy{Mode: office.PolicyRatio, Every: 1 + rng.IntN(5), Grace: time.Duration(rng.IntN(31)) * time.Minute}
		var arrivals []queue.Ticket
		prio := rng.Float64()
		for m := 0; m < 6*60; m++ {
			for k := rng.IntN(3); k > 0; k-- {
				tk := queue.Ticket{ID: int64(len(arrivals) + 1), DepartmentID: 1, Kind: queue.KindWalkIn, IssuedAt: minute(m), DueAt: minute(m)}
				switch r := rng.Float64(); {
				case r < 0.1:
					tk.Kind, tk.DueAt = queue.KindBooking, minute(m+rng.IntN(60)-20)
				case r < 0.1+0.9*prio:
					tk.Priority = true
				}
				arrivals = append(arrivals, tk)
			}
		}
		var seq []string // the calls: P priority, O other, L late booking
		firstCalls, otherCalls := 0, 0
		day := simDay{policy: p, counters: 1 + rng.IntN(3), maxService: 1 + rng.IntN(6), arrivals: arrivals,
			check: func(waiting []queue.Ticket, since int, now time.Time, tk queue.Ticket) {
				var firstWaits, otherWaits bool
				for i := range waiting {
					if queue.First(&waiting[i], now) {
						firstWaits = true
					} else {
						otherWaits = true
					}
				}
				late := tk.Kind == queue.KindBooking && !now.Before(tk.DueAt.Add(p.Grace))
				first := queue.First(&tk, now)
				switch {
				case late:
					seq = append(seq, "L")
				case first:
					seq = append(seq, "P")
					firstCalls++
				default:
					seq = append(seq, "O")
					otherCalls++
				}
				if late {
					return
				}
				if since >= p.Every && firstWaits && !first {
					t.Fatalf("seed %d every %d: %d others called since the last priority call and a priority ticket waits, yet %d (another) is called", seed, p.Every, since, tk.ID)
				}
				if since < p.Every && otherWaits && first {
					t.Fatalf("seed %d every %d: only %d others since the last priority call and another waits, yet %d (priority) is called", seed, p.Every, since, tk.ID)
				}
			}}
		day.run(rng)
		if len(seq) != len(arrivals) {
			t.Fatalf("seed %d: %d calls of %d tickets", seed, len(seq), len(arrivals))
		}
		if firstCalls > 0 && otherCalls > 0 {
			mixed++
		}
	}
	if mixed < 20 {
		t.Fatalf("only %d simulated days called both kinds: the generator tests too little", mixed)
	}
}

// A priority flood under ratio: the long-run share of priority calls while
// both kinds wait is one in Every+1.
func TestCallOrderRatioLongRun(t *testing.T) {
	const n = 400 // half priority
	for _, every := range []int{1, 2, 3, 7, office.MaxRatioEvery} {
		p := queue.Policy{Mode: office.PolicyRatio, Every: every, Grace: 10 * time.Minute}
		var arrivals []queue.Ticket
		for i := 0; i < n; i++ { // everybody at 08:00: both kinds wait throughout
			arrivals = append(arrivals, queue.Ticket{ID: int64(i + 1), DepartmentID: 1, Kind: queue.KindWalkIn, Priority: i%2 == 0, IssuedAt: day0, DueAt: day0})
		}
		var seq []byte
		simDay{policy: p, counters: 2, maxService: 5, arrivals: arrivals, check: func(_ []queue.Ticket, _ int, _ time.Time, tk queue.Ticket) {
			seq = append(seq, map[bool]byte{true: 'P', false: 'O'}[tk.Priority])
		}}.run(rand.New(rand.NewPCG(uint64(every), 5)))
		// While both wait (until the others run out), the sequence is
		// O^every P repeated.
		want := []byte(fmt.Sprintf("%sP", string(slices.Repeat([]byte{'O'}, every))))
		for i := 0; i+len(want) <= n/2*(every+1)/every && i+len(want) <= len(seq); i += len(want) {
			if string(seq[i:i+len(want)]) != string(want) {
				t.Fatalf("every %d: calls %d..%d are %s, want %s", every, i, i+len(want), seq[i:i+len(want)], want)
			}
		}
	}
}

// Aging's weighting: a walk-in goes ahead of a priority ticket that came
// more than max wait/2 after it, and behind one that came less; past max
// wait it goes ahead of all.
func TestCallOrderAgingWeight(t *testing.T) {
	p := queue.Policy{Mode: office.PolicyAging, MaxWait: 40 * time.Minute, Grace: 10 * time.Minute}
	rules := map[int64]queue.Rules{1: {Policy: p}}
	w := queue.Ticket{ID: 1, DepartmentID: 1, Kind: queue.KindWalkIn, DueAt: minute(0)}
	early := queue.Ticket{ID: 2, DepartmentID: 1, Kind: queue.KindWalkIn, Priority: true, DueAt: minute(15)}
	late := queue.Ticket{ID: 3, DepartmentID: 1, Kind: queue.KindWalkIn, Priority: true, DueAt: minute(25)}
	for _, c := range []struct {
		now  int
		want []int64
	}{
		{26, []int64{2, 1, 3}}, // waited 26 min: ahead of the priority ticket 25 min younger, behind the 15 min one
		{39, []int64{2, 1, 3}},
		{40, []int64{1, 2, 3}}, // max wait: first
	} {
		if got := numbers(queue.CallOrder([]queue.Ticket{late, early, w}, rules, minute(c.now))); !slices.Equal(got, c.want) {
			t.Fatalf("at +%d min: %v, want %v", c.now, got, c.want)
		}
	}
}

// SinceFirst counts the others called since the last priority call (or a
// booking called once its slot began), newest first, at most 20.
func TestSinceFirst(t *testing.T) {
	call := func(m int, prio bool, kind string, due int) queue.Ticket {
		at := minute(m)
		return queue.Ticket{Kind: kind, Priority: prio, DueAt: minute(due), CalledAt: &at}
	}
	w := queue.KindWalkIn
	b := queue.KindBooking
	cases := []struct {
		calls []queue.Ticket
		want  int
	}{
		{nil, 0},
		{[]queue.Ticket{call(5, false, w, 0), call(4, true, w, 0), call(3, false, w, 0)}, 1},
		{[]queue.Ticket{call(5, false, w, 0), call(4, false, b, 10), call(3, false, b, 1)}, 2}, // a booking called early counts as another
		{[]queue.Ticket{call(5, false, w, 0), call(4, false, w, 0)}, 2},
	}
	for i, c := range cases {
		if got := queue.SinceFirst(c.calls); got != c.want {
			t.Fatalf("case %d: %d, want %d", i, got, c.want)
		}
	}
	var many []queue.Ticket
	for i := 0; i < 30; i++ {
		many = append(many, call(100-i, false, w, 0))
	}
	if got := queue.SinceFirst(many); got != office.MaxRatioEvery {
		t.Fatalf("30 others: %d, want %d", got, office.MaxRatioEvery)
	}
}
