package display

import (
	"context"
	"testing"
	"time"

	"github.com/okienko/okienko/event"
)

// guard is how long a test waits for something that should happen at once.
const guard = 10 * time.Second

func events(from, n int) []event.Event {
	out := make([]event.Event, n)
	for i := range out {
		out[i] = event.Event{ID: int64(from + i), Type: "ticket", ObjectType: "ticket", ObjectID: int64(from + i), Data: "{}"}
	}
	return out
}

// receive reads the next note of s, failing the test if none comes or the
// channel is closed.
func receive(t *testing.T, s *Subscription) Note {
	t.Helper()
	select {
	case n, ok := <-s.C:
		if !ok {
			t.Fatal("subscription closed, want a note")
		}
		return n
	case <-time.After(guard):
		t.Fatal("no note within the guard time")
	}
	return Note{}
}

func TestLocalHubDeliversInOrder(t *testing.T) {
	h := NewLocalHub()
	a, b := h.Subscribe(100), h.Subscribe(100)
	h.Publish(events(1, 3))
	h.Publish(events(4, 2))
	for _, s := range []*Subscription{a, b} {
		for want := int64(1); want <= 5; want++ {
			if n := receive(t, s); n.Resync || n.Event.ID != want {
				t.Fatalf("got %+v, want event %d", n, want)
			}
		}
	}
}

func TestLocalHubDropsSlowSubscriberOnly(t *testing.T) {
	h := NewLocalHub()
	slow := h.Subscribe(2)
	fast := h.Subscribe(50)
	got := make(chan []int64)
	go func() { // the fast subscriber reads as events come
		var ids []int64
		for n := range fast.C {
			ids = append(ids, n.Event.ID)
			if len(ids) == 50 {
				break
			}
		}
		got <- ids
	}()

	published := make(chan struct{})
	go func() {
		for _, e := range events(1, 50) {
			h.Publish([]event.Event{e})
		}
		close(published)
	}()
	select {
	case <-published:
	case <-time.After(guard):
		t.Fatal("Publish blocked on a subscriber that never reads")
	}

	// The slow one kept what fit in its buffer, then was dropped.
	for want := int64(1); want <= 2; want++ {
		if n := receive(t, slow); n.Event.ID != want {
			t.Fatalf("slow got %d, want %d", n.Event.ID, want)
		}
	}
	if _, ok := <-slow.C; ok {
		t.Fatal("slow subscription still open after its buffer overflowed")
	}
	if !slow.Dropped() {
		t.Error("slow.Dropped() = false")
	}

	// The fast one got everything.
	select {
	case ids := <-got:
		for i, id := range ids {
			if id != int64(i+1) {
				t.Fatalf("fast got %v, want 1..50 in order", ids)
			}
		}
	case <-time.After(guard):
		t.Fatal("fast subscriber did not get all events")
	}
	if fast.Dropped() {
		t.Error("fast.Dropped() = true")
	}
	if n := h.Subscribers(); n != 1 {
		t.Errorf("Subscribers() = %d, want 1", n)
	}
}

func TestLocalHubCloseClosesChannel(t *testing.T) {
	h := NewLocalHub()
	s := h.Subscribe(1)
	other := h.Subscribe(1)
	s.Close()
	s.Close() // twice is harmless
	if _, ok := <-s.C; ok {
		t.Fatal("channel open after Close")
	}
	if s.Dropped() {
		t.Error("Dropped() = true after Close")
	}
	if n := h.Subscribers(); n != 1 {
		t.Errorf("Subscribers() = %d, want 1", n)
	}
	h.Publish(events(1, 1)) // must not send on the closed channel
	if n := receive(t, other); n.Event.ID != 1 {
		t.Errorf("other got %+v", n)
	}
}

func TestLocalHubPublishNeverBlocks(t *testing.T) {
	h := NewLocalHub()
	for range 10 {
		h.Subscribe(1) // nobody reads
	}
	done := make(chan struct{})
	go func() {
		h.Publish(events(1, 1000))
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(guard):
		t.Fatal("Publish blocked")
	}
	if n := h.Subscribers(); n != 0 {
		t.Errorf("Subscribers() = %d, want 0 (all overflowed)", n)
	}
}

func TestLocalHubRunEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- NewLocalHub().Run(ctx) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	case <-time.After(guard):
		t.Fatal("Run did not end with its context")
	}
}

func TestPayloads(t *testing.T) {
	tests := []struct {
		name  string
		ids   []int64
		limit int
		want  []string
	}{
		{"none", nil, 10, nil},
		{"one", []int64{42}, 10, []string{"42"}},
		{"fits", []int64{1, 2, 3}, 5, []string{"1,2,3"}},
		{"splits", []int64{1, 2, 3, 4}, 5, []string{"1,2,3", "4"}},
		{"long ids", []int64{12345, 67890, 1}, 11, []string{"12345,67890", "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := payloads(tt.ids, tt.limit)
			if len(got) != len(tt.want) {
				t.Fatalf("payloads = %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] || len(got[i]) > tt.limit {
					t.Fatalf("payloads = %q, want %q", got, tt.want)
				}
			}
		})
	}
}
