package office

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/event"
)

// EventCatalogChanged is the type of the event every change of the cached
// catalog (an office, department, service or closure; the object type says
// which) records in its transaction, so every instance forgets its copy when
// the event reaches it.
const EventCatalogChanged = "catalog.changed"

const (
	// catalogMaxAge is how long a snapshot answers at most: the backstop
	// for a change whose event never arrived (a NOTIFY lost while the
	// publisher's database was away, a change made behind the store's back).
	catalogMaxAge = time.Minute
	// maxCatalogRows bounds each table a snapshot holds; a catalog larger
	// than that is not cached (every read goes to the database).
	maxCatalogRows = 20000
	// dirtyPools is how many transactions of callers that changed the
	// catalog (see WithTx) are remembered, so their reads pass the cache.
	dirtyPools = 64
)

// catalog is a snapshot of the catalog rows the calendar reads: every
// office, department, service and closure, each ordered as the store lists
// them. It is never changed once built; reads hand out copies.
type catalog struct {
	offices     []Office     // by id
	departments []Department // by position, id
	services    []Service    // by position, id
	closures    []Closure    // by starts_on, id
	department  map[int64]int
	service     map[int64]int
	office      map[int64]int
	loadedAt    time.Time
	// tooBig marks a catalog over maxCatalogRows: reads go to the database
	// until the mark ages out.
	tooBig bool
}

// flight is one load of the snapshot that readers of the same generation
// wait for instead of loading it again.
type flight struct {
	gen  uint64
	done chan struct{}
	snap *catalog
	err  error
}

// txState is what the cache knows of a transaction opened by
// Store.Transaction: whether the catalog changed in it (its reads then pass
// the cache) and the events to publish after it commits.
type txState struct {
	mu      sync.Mutex
	changed bool
	events  []event.Event
}

// catalogCache is shared by every copy of a Store (WithTx, Uncached). gen
// counts the times the cache forgot; a load stores its snapshot only when
// no forgetting happened since it began, so a load racing a change never
// leaves the rows of before behind.
type catalogCache struct {
	mu      sync.Mutex
	gen     uint64
	snap    *catalog
	flight  *flight
	publish func([]event.Event)
	open    map[gorm.ConnPool]*txState // transactions of Store.Transaction
	dirty   [dirtyPools]gorm.ConnPool  // other transactions that changed the catalog, a ring
	next    int
	loads   int // snapshots loaded, for tests
}

func newCatalogCache() *catalogCache {
	return &catalogCache{open: map[gorm.ConnPool]*txState{}}
}

// forget drops the snapshot and starts a new generation.
func (c *catalogCache) forget() {
	c.mu.Lock()
	c.gen++
	c.snap = nil
	c.mu.Unlock()
}

// fresh returns the snapshot and its generation; the snapshot is nil when
// there is none or it is older than catalogMaxAge at now.
func (c *catalogCache) fresh(now time.Time) (*catalog, uint64) {
	if c.snap != nil {
		if age := now.Sub(c.snap.loadedAt); age < 0 || age >= catalogMaxAge {
			c.snap = nil
		}
	}
	return c.snap, c.gen
}

// keep stores snap unless the cache forgot since generation gen.
func (c *catalogCache) keep(snap *catalog, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.loads++
	if c.gen == gen && snap != nil {
		c.snap = snap
	}
}

// markDirty remembers that the transaction of pool changed the catalog.
func (c *catalogCache) markDirty(pool gorm.ConnPool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if slices.Contains(c.dirty[:], pool) {
		return
	}
	c.dirty[c.next] = pool
	c.next = (c.next + 1) % dirtyPools
}

// isDirty reports whether the transaction of pool changed the catalog.
func (c *catalogCache) isDirty(pool gorm.ConnPool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.open[pool]; st != nil {
		st.mu.Lock()
		defer st.mu.Unlock()
		return st.changed
	}
	return slices.Contains(c.dirty[:], pool)
}

// snapshot returns the catalog snapshot, loading it when needed, or nil when
// reads must go to the database: an Uncached store, a transaction that
// changed the catalog, a catalog too large to hold.
func (s *Store) snapshot(ctx context.Context) (*catalog, error) {
	if s.uncached {
		return nil, nil
	}
	pool := s.db.Statement.ConnPool
	_, inTx := pool.(gorm.TxCommitter)
	if inTx && s.cache.isDirty(pool) {
		return nil, nil
	}
	snap, err := s.cache.get(ctx, s.db, s.clock, inTx)
	if err != nil || snap == nil || snap.tooBig {
		return nil, err
	}
	return snap, nil
}

// get returns the snapshot, loading it on db when there is none.
func (c *catalogCache) get(ctx context.Context, db *gorm.DB, clock okienko.Clock, inTx bool) (*catalog, error) {
	c.mu.Lock()
	snap, gen := c.fresh(clock.Now())
	if snap != nil {
		c.mu.Unlock()
		return snap, nil
	}
	// A reader inside a transaction loads on its own connection: waiting
	// for a load that needs another connection could wait forever (SQLite
	// has one).
	if inTx {
		c.mu.Unlock()
		snap, err := loadCatalog(db.WithContext(ctx), clock.Now())
		if err != nil {
			return nil, err
		}
		c.keep(snap, gen)
		return snap, nil
	}
	if f := c.flight; f != nil && f.gen == gen {
		c.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, okienko.Internal(ctx.Err())
		}
		if f.err == nil {
			return f.snap, nil
		}
		// The leader failed (its request may have ended): load alone.
		snap, err := loadCatalog(db.WithContext(ctx), clock.Now())
		if err != nil {
			return nil, err
		}
		c.keep(snap, gen)
		return snap, nil
	}
	f := &flight{gen: gen, done: make(chan struct{}), err: okienko.Errorf(okienko.EINTERNAL, "the catalog load did not finish")}
	c.flight = f
	c.mu.Unlock()
	defer func() { // also when the load panics: nobody waits forever
		c.mu.Lock()
		if c.flight == f {
			c.flight = nil
		}
		c.mu.Unlock()
		close(f.done)
	}()
	f.snap, f.err = loadCatalog(db.WithContext(ctx), clock.Now())
	if f.err == nil {
		c.keep(f.snap, gen)
	}
	return f.snap, f.err
}

// loadCatalog reads the snapshot on db; one marked tooBig when a table holds
// more than maxCatalogRows rows.
func loadCatalog(db *gorm.DB, now time.Time) (*catalog, error) {
	c := &catalog{loadedAt: now}
	if err := db.Order("id").Limit(maxCatalogRows + 1).Find(&c.offices).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	if err := db.Order("position, id").Limit(maxCatalogRows + 1).Find(&c.departments).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	if err := db.Order("position, id").Limit(maxCatalogRows + 1).Find(&c.services).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	if err := db.Order("starts_on, id").Limit(maxCatalogRows + 1).Find(&c.closures).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	if max(len(c.offices), len(c.departments), len(c.services), len(c.closures)) > maxCatalogRows {
		return &catalog{loadedAt: now, tooBig: true}, nil
	}
	c.office = make(map[int64]int, len(c.offices))
	for i, o := range c.offices {
		c.office[o.ID] = i
	}
	c.department = make(map[int64]int, len(c.departments))
	for i, d := range c.departments {
		c.department[d.ID] = i
	}
	c.service = make(map[int64]int, len(c.services))
	for i, sv := range c.services {
		c.service[sv.ID] = i
	}
	return c, nil
}

// firstOffice returns a copy of the office with the lowest id; ENOTFOUND.
func (c *catalog) firstOffice() (*Office, error) {
	if len(c.offices) == 0 {
		return nil, okienko.Errorf(okienko.ENOTFOUND, "no office has been set up")
	}
	o := c.offices[0]
	return &o, nil
}

// officeByID returns a copy of office id; ENOTFOUND.
func (c *catalog) officeByID(id int64) (*Office, error) {
	i, ok := c.office[id]
	if !ok {
		return nil, okienko.Errorf(okienko.ENOTFOUND, "office %d not found", id)
	}
	o := c.offices[i]
	return &o, nil
}

// departmentByID returns a copy of department id; ENOTFOUND.
func (c *catalog) departmentByID(id int64) (*Department, error) {
	i, ok := c.department[id]
	if !ok {
		return nil, okienko.Errorf(okienko.ENOTFOUND, "department %d not found", id)
	}
	d := c.departments[i].clone()
	return &d, nil
}

// serviceByID returns a copy of service id; ENOTFOUND.
func (c *catalog) serviceByID(id int64) (*Service, error) {
	i, ok := c.service[id]
	if !ok {
		return nil, okienko.Errorf(okienko.ENOTFOUND, "service %d not found", id)
	}
	sv := c.services[i]
	if p := sv.TicketPrefix; p != nil { // a copy: the caller may change it
		sv.TicketPrefix = new(string)
		*sv.TicketPrefix = *p
	}
	return &sv, nil
}

// closuresOf returns copies of the closures of office officeID that close
// department departmentID (its own and the office-wide ones) on some day of
// from..to, office-wide first, then by first day and id, as OpeningDays
// wants them.
func (c *catalog) closuresOf(officeID, departmentID int64, from, to Date) []Closure {
	var out []Closure
	for _, cl := range c.closures {
		if cl.OfficeID != officeID || (cl.DepartmentID != nil && *cl.DepartmentID != departmentID) ||
			cl.StartsOn.After(to) || cl.EndsOn.Before(from) {
			continue
		}
		out = append(out, cl.clone())
	}
	// c.closures are by starts_on, id already: a stable sort keeps that
	// within each group.
	sort.SliceStable(out, func(i, j int) bool { return out[i].DepartmentID == nil && out[j].DepartmentID != nil })
	return out
}

// clone returns a copy of d sharing nothing with it.
func (d Department) clone() Department {
	d.Hours = d.Hours.clone()
	if d.Services != nil {
		d.Services = slices.Clone(d.Services)
	}
	return d
}

// clone returns a deep copy of h, nil days kept nil.
func (h WeekHours) clone() WeekHours {
	out := h
	for _, day := range []*[][]string{&out.Mon, &out.Tue, &out.Wed, &out.Thu, &out.Fri, &out.Sat, &out.Sun} {
		if *day == nil {
			continue
		}
		d := make([][]string, len(*day))
		for i, iv := range *day {
			d[i] = slices.Clone(iv)
		}
		*day = d
	}
	return out
}

// clone returns a copy of c sharing nothing with it.
func (c Closure) clone() Closure {
	if c.DepartmentID != nil {
		id := *c.DepartmentID
		c.DepartmentID = &id
	}
	return c
}

// Forget drops the cached catalog: the next read loads it again. Stores
// call it themselves after every change; call it after changing catalog
// rows behind the store's back (SQL by hand).
func (s *Store) Forget() { s.cache.forget() }

// Heard forgets the cached catalog when e is a catalog change (of any
// instance); other events are ignored. Wire it to the live events hub.
func (s *Store) Heard(e event.Event) {
	if e.Type == EventCatalogChanged {
		s.cache.forget()
	}
}

// OnCommit sets fn to receive the events of every committed change of the
// catalog, in order (wire it to the live events hub, so other instances
// forget their copies).
func (s *Store) OnCommit(fn func([]event.Event)) {
	s.cache.mu.Lock()
	s.cache.publish = fn
	s.cache.mu.Unlock()
}

// CatalogLoads returns how many times the catalog was loaded into the cache
// (for tests and benchmarks).
func (s *Store) CatalogLoads() int {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	return s.cache.loads
}
