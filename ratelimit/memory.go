package ratelimit

import (
	"context"
	"hash/maphash"
	"sync"
	"time"

	"github.com/okienko/okienko"
)

// memoryShards is how many independently locked parts Memory's keys are
// spread over: hits on different keys rarely wait for each other.
const memoryShards = 64

// memorySweepEvery is how often a shard drops its ended windows, at most,
// on the next hit it takes.
const memorySweepEvery = time.Minute

// Memory is a Limiter in the process's memory, for a single instance (the
// SQLite deployment): no database statement and no process-wide lock; a
// hit locks only the shard of its key for a map look-up. Ended windows are
// dropped by the hits themselves, each shard at most once a minute, so
// memory stays bounded by the keys of the windows running.
type Memory struct {
	clock  okienko.Clock
	seed   maphash.Seed
	shards [memoryShards]memoryShard
}

type memoryShard struct {
	mu        sync.Mutex
	windows   map[string]memoryWindow
	nextSweep time.Time
}

type memoryWindow struct {
	hits int
	end  time.Time
}

// NewMemory returns an empty Memory limiter on clock.
func NewMemory(clock okienko.Clock) *Memory {
	m := &Memory{clock: clock, seed: maphash.MakeSeed()}
	for i := range m.shards {
		m.shards[i].windows = make(map[string]memoryWindow)
	}
	return m
}

func (m *Memory) shard(key string) *memoryShard {
	return &m.shards[maphash.String(m.seed, key)%memoryShards]
}

// Hit implements Limiter. Errors are EINVALID for a window that isn't
// positive.
func (m *Memory) Hit(_ context.Context, key string, window time.Duration) (int, time.Time, error) {
	if window <= 0 {
		return 0, time.Time{}, okienko.Errorf(okienko.EINVALID, "rate limit window must be positive")
	}
	now := m.clock.Now()
	s := m.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !now.Before(s.nextSweep) {
		for k, w := range s.windows {
			if !w.end.After(now) {
				delete(s.windows, k)
			}
		}
		s.nextSweep = now.Add(memorySweepEvery)
	}
	w, ok := s.windows[key]
	if !ok || !w.end.After(now) {
		w = memoryWindow{end: now.Add(window)}
	}
	w.hits++
	s.windows[key] = w
	return w.hits, w.end, nil
}

// Undo implements Limiter; it never fails.
func (m *Memory) Undo(_ context.Context, key string) error {
	now := m.clock.Now()
	s := m.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if w, ok := s.windows[key]; ok && w.end.After(now) && w.hits > 0 {
		w.hits--
		s.windows[key] = w
	}
	return nil
}

// Len is how many keys Memory holds, ended windows not yet dropped
// included.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.windows)
		s.mu.Unlock()
	}
	return n
}
