// Package display carries committed domain events to everybody watching: the
// hall displays, residents following their ticket, clerks' queues. A Hub
// fans events out within a process; on PostgreSQL the events of every
// instance reach every other through LISTEN/NOTIFY. The websocket protocol
// (snapshot, then deltas numbered by seq) is built on top.
package display

import (
	"context"
	"sync"

	"github.com/okienko/okienko/event"
)

// Note is what a subscriber receives: an event, or Resync when events may
// have been lost (the hub's connection to the database dropped), so
// everything built from events must be rebuilt from a fresh snapshot.
type Note struct {
	Event  event.Event
	Resync bool
}

// Hub delivers committed events to the subscribers of this process.
type Hub interface {
	// Publish hands over the events of a committed change, in order. It
	// never blocks on subscribers.
	Publish(events []event.Event)
	// Subscribe returns a subscription whose channel holds at most buffer
	// notes; a subscriber that lets it fill up is dropped: its channel is
	// closed, and it must subscribe again and resync.
	Subscribe(buffer int) *Subscription
	// Run delivers until ctx ends (the PostgreSQL hub listens; the local
	// hub has nothing to do).
	Run(ctx context.Context) error
}

// Subscription is one subscriber's feed.
type Subscription struct {
	C       <-chan Note
	c       chan Note
	fanout  *fanout
	dropped bool
}

// Close ends the subscription; its channel is closed.
func (s *Subscription) Close() { s.fanout.remove(s) }

// Dropped tells whether the subscription ended because it fell behind.
func (s *Subscription) Dropped() bool {
	s.fanout.mu.Lock()
	defer s.fanout.mu.Unlock()
	return s.dropped
}

// fanout delivers notes to subscriptions without ever blocking.
type fanout struct {
	mu   sync.Mutex
	subs map[*Subscription]struct{}
}

func newFanout() *fanout { return &fanout{subs: map[*Subscription]struct{}{}} }

func (f *fanout) subscribe(buffer int) *Subscription {
	if buffer < 1 {
		buffer = 1
	}
	c := make(chan Note, buffer)
	s := &Subscription{C: c, c: c, fanout: f}
	f.mu.Lock()
	f.subs[s] = struct{}{}
	f.mu.Unlock()
	return s
}

func (f *fanout) remove(s *Subscription) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.subs[s]; ok {
		delete(f.subs, s)
		close(s.c)
	}
}

// deliver sends n to every subscription; one whose buffer is full is dropped.
func (f *fanout) deliver(n Note) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for s := range f.subs {
		select {
		case s.c <- n:
		default:
			s.dropped = true
			delete(f.subs, s)
			close(s.c)
		}
	}
}

// count returns the number of subscriptions.
func (f *fanout) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

// LocalHub is the Hub of a single process (SQLite): events go straight from
// Publish to the subscribers.
type LocalHub struct{ out *fanout }

// NewLocalHub returns a LocalHub.
func NewLocalHub() *LocalHub { return &LocalHub{out: newFanout()} }

// Publish delivers events to every subscriber.
func (h *LocalHub) Publish(events []event.Event) {
	for _, e := range events {
		h.out.deliver(Note{Event: e})
	}
}

// Subscribe: see Hub.
func (h *LocalHub) Subscribe(buffer int) *Subscription { return h.out.subscribe(buffer) }

// Run waits for ctx to end.
func (h *LocalHub) Run(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

// Subscribers returns how many subscriptions are live.
func (h *LocalHub) Subscribers() int { return h.out.count() }
