package notify

import (
	"context"
	"sync"
	"time"

	"github.com/okienko/okienko/office"
)

// lookupTTL is how long composing reuses the office, a department or a
// service it has read: a burst of confirmations reads each once, and a
// name the administrator changes shows in messages at most this late.
const lookupTTL = 2 * time.Second

// lookups remembers office, department and service rows for lookupTTL
// (on the monotonic clock: this is a cache, not domain time).
type lookups struct {
	mu       sync.Mutex
	office   cached[*office.Office]
	services map[int64]cached[*office.Service]
	deps     map[int64]cached[*office.Department]
}

type cached[T any] struct {
	v  T
	at time.Time
}

func (c cached[T]) fresh() bool { return !c.at.IsZero() && time.Since(c.at) < lookupTTL }

// remember returns the value under key in m when fresh, else loads it.
func remember[T any](l *lookups, m map[int64]cached[T], key int64, load func() (T, error)) (T, error) {
	l.mu.Lock()
	c, ok := m[key]
	l.mu.Unlock()
	if ok && c.fresh() {
		return c.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	l.mu.Lock()
	if len(m) > 1000 {
		clear(m)
	}
	m[key] = cached[T]{v, time.Now()}
	l.mu.Unlock()
	return v, nil
}

func (c *Messages) cache() *lookups {
	c.once.Do(func() {
		c.looked = &lookups{services: map[int64]cached[*office.Service]{}, deps: map[int64]cached[*office.Department]{}}
	})
	return c.looked
}

// service returns the service id, read at most lookupTTL ago.
func (c *Messages) service(ctx context.Context, id int64) (*office.Service, error) {
	l := c.cache()
	return remember(l, l.services, id, func() (*office.Service, error) { return c.Offices.Service(ctx, id) })
}

// department returns the department id, read at most lookupTTL ago.
func (c *Messages) department(ctx context.Context, id int64) (*office.Department, error) {
	l := c.cache()
	return remember(l, l.deps, id, func() (*office.Department, error) { return c.Offices.Department(ctx, id) })
}

// office returns the office, read at most lookupTTL ago.
func (c *Messages) office(ctx context.Context) (*office.Office, error) {
	l := c.cache()
	l.mu.Lock()
	o := l.office
	l.mu.Unlock()
	if o.fresh() {
		return o.v, nil
	}
	v, err := c.Offices.Office(ctx)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.office = cached[*office.Office]{v, time.Now()}
	l.mu.Unlock()
	return v, nil
}
