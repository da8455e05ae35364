package outbox

import (
	"context"
	"errors"
	"sync"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
)

// WakeChannel is the PostgreSQL notification channel on which the outbox
// trigger announces, on commit, that a message of a channel became due
// (payload "schema:email" or "schema:sms").
const WakeChannel = "okienko_outbox"

// bellName is the name the Bell is registered under as a gorm plugin.
const bellName = "okienko:outbox-bell"

// Bell tells this process's workers that a message was queued on a
// database: Enqueue rings it. It is a gorm plugin, so every session and
// transaction of one *gorm.DB finds the same Bell.
//
// Only SQLite rings it, before the enqueuing transaction commits, which is
// enough: the database has one connection, so a woken worker's claim runs
// after the transaction ends. On PostgreSQL the outbox trigger's NOTIFY,
// delivered on commit, wakes the workers of every instance, this one too.
type Bell struct {
	mu   sync.Mutex
	subs map[chan string]struct{}
}

// Name implements gorm.Plugin.
func (*Bell) Name() string { return bellName }

// Initialize implements gorm.Plugin.
func (*Bell) Initialize(*gorm.DB) error { return nil }

// plugins guards the Bell's entry in gorm's plugin map, which gorm itself
// only writes when a plugin is installed (all others are, at Open).
var plugins sync.Mutex

// BellOf returns db's Bell, installing it on first use.
func BellOf(db *gorm.DB) *Bell {
	plugins.Lock()
	defer plugins.Unlock()
	if p, ok := db.Config.Plugins[bellName]; ok {
		return p.(*Bell)
	}
	b := &Bell{subs: map[chan string]struct{}{}}
	_ = db.Use(b) // fails only for a name already registered, checked above
	return b
}

// Subscribe returns a channel that receives the channel name (Email or
// SMS) of queued messages; rings are dropped while one is pending. stop
// ends the subscription.
func (b *Bell) Subscribe() (rings <-chan string, stop func()) {
	c := make(chan string, 2)
	b.mu.Lock()
	b.subs[c] = struct{}{}
	b.mu.Unlock()
	return c, func() {
		b.mu.Lock()
		delete(b.subs, c)
		b.mu.Unlock()
	}
}

// Ring tells every subscriber that a message of channel was queued.
func (b *Bell) Ring(channel string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for c := range b.subs {
		select {
		case c <- channel:
		default:
		}
	}
}

// ring rings tx's Bell if one is installed.
func ring(tx *gorm.DB, channel string) {
	plugins.Lock()
	p, ok := tx.Config.Plugins[bellName]
	plugins.Unlock()
	if ok {
		p.(*Bell).Ring(channel)
	}
}

// Installation returns the installation's id: random, made when the
// database was created, so that keys sent to providers (SMS idx, e-mail
// Message-IDs) never collide between installations sharing a provider.
func Installation(ctx context.Context, db *gorm.DB) (string, error) {
	var id string
	if err := db.WithContext(ctx).Raw("SELECT id FROM installation").Scan(&id).Error; err != nil {
		return "", okienko.Internal(err)
	}
	if id == "" {
		return "", okienko.Internal(errors.New("the installation table is empty"))
	}
	return id, nil
}
