package outbox

import (
	"context"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// endpointsName is the name the endpoints cache is registered under as a
// gorm plugin.
const endpointsName = "okienko:webhook-endpoints"

const (
	// endpointsMaxAge is how long a cached list answers at most (by the
	// events' own times): the backstop for a change whose event never
	// arrived (a NOTIFY lost, a change made behind the store's back).
	endpointsMaxAge = time.Minute
	// maxEndpointsCached bounds the rows a cached list holds; more active
	// endpoints than that are read from the database every time.
	maxEndpointsCached = 1000
)

// Endpoints caches the active webhook endpoints of one database handle,
// so that recording an event (EnqueueEvent) costs no query for them. It
// is a gorm plugin: every session and transaction of one *gorm.DB finds the
// same cache, and every other handle (another instance) has its own.
//
// Whoever changes endpoints calls Forget after the change commits, and
// tells the other instances (see notify.Webhooks), whose followers call
// Forget on the change's event.
type Endpoints struct {
	mu       sync.Mutex
	gen      uint64 // times forgotten: a load older than a Forget is not kept
	list     []endpointRow
	loaded   bool
	loadedAt time.Time
	loads    int
}

// Name implements gorm.Plugin.
func (*Endpoints) Name() string { return endpointsName }

// Initialize implements gorm.Plugin.
func (*Endpoints) Initialize(*gorm.DB) error { return nil }

// EndpointsOf returns db's endpoints cache, installing it on first use.
func EndpointsOf(db *gorm.DB) *Endpoints {
	plugins.Lock()
	defer plugins.Unlock()
	if p, ok := db.Config.Plugins[endpointsName]; ok {
		return p.(*Endpoints)
	}
	c := &Endpoints{}
	_ = db.Use(c) // fails only for a name already registered, checked above
	return c
}

// Forget drops the cached list: the next event reads the endpoints again.
func (c *Endpoints) Forget() {
	c.mu.Lock()
	c.gen++
	c.list, c.loaded = nil, false
	c.mu.Unlock()
}

// Loads returns how many times the list was read from the database (for
// tests).
func (c *Endpoints) Loads() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.loads
}

// active returns the active endpoints by id, from the cache when it holds
// a list no older than endpointsMaxAge at the event time at, else read on
// tx (and kept unless the cache forgot meanwhile). The list is shared: the
// caller must not change it.
func (c *Endpoints) active(ctx context.Context, tx *gorm.DB, at time.Time) ([]endpointRow, error) {
	c.mu.Lock()
	if c.loaded {
		if age := at.Sub(c.loadedAt); age >= 0 && age < endpointsMaxAge {
			list := c.list
			c.mu.Unlock()
			return list, nil
		}
	}
	gen := c.gen
	c.loads++
	c.mu.Unlock()
	var eps []endpointRow
	if err := tx.WithContext(ctx).Table("webhooks").Select("id, events").Where("active = ?", true).
		Order("id").Limit(maxEndpointsCached + 1).Find(&eps).Error; err != nil {
		return nil, err
	}
	if len(eps) > maxEndpointsCached {
		// Too many to hold: read them all, uncached.
		eps = nil
		if err := tx.WithContext(ctx).Table("webhooks").Select("id, events").Where("active = ?", true).
			Order("id").Find(&eps).Error; err != nil {
			return nil, err
		}
		return eps, nil
	}
	c.mu.Lock()
	if c.gen == gen {
		c.list, c.loaded, c.loadedAt = eps, true, at
	}
	c.mu.Unlock()
	return eps, nil
}

// subscribed returns the ids of the endpoints in eps subscribed to hook.
func subscribed(eps []endpointRow, hook string) []int64 {
	var to []int64
	for _, ep := range eps {
		for _, e := range strings.Split(ep.Events, ",") {
			if e == hook {
				to = append(to, ep.ID)
				break
			}
		}
	}
	return to
}
