package display

import (
	"context"

	"github.com/okienko/okienko/event"
)

// catalogBuffer is the notes the catalog follower may fall behind by before
// the hub drops it (it then forgets everything and subscribes again).
const catalogBuffer = 1024

// Cache is a cache of rows any instance may change: Heard forgets what an
// event of a change says (other events are ignored), Forget everything.
// The catalog (office.Store) and the webhook endpoints (notify.Webhooks)
// are such caches.
type Cache interface {
	Heard(event.Event)
	Forget()
}

// FollowCatalog makes the caches forget whenever any instance changes what
// they hold: on every event of a change the hub delivers (for the catalog
// office.EventCatalogChanged), on every Resync (events may have been lost),
// and whenever its subscription starts (on a PGHub, once the hub listens),
// so nothing changed before it was following survives. It returns when ctx
// ends. It opens no connection of its own: the hub's LISTEN carries the
// events.
func FollowCatalog(ctx context.Context, hub Hub, caches ...Cache) {
	if r, ok := hub.(interface{ Ready() <-chan struct{} }); ok {
		select {
		case <-r.Ready():
		case <-ctx.Done():
			return
		}
	}
	for ctx.Err() == nil {
		sub := hub.Subscribe(catalogBuffer)
		for _, c := range caches {
			c.Forget()
		}
		followCatalog(ctx, sub, caches)
		sub.Close()
	}
}

// followCatalog applies notes until ctx ends or the hub drops sub.
func followCatalog(ctx context.Context, sub *Subscription, caches []Cache) {
	for {
		select {
		case <-ctx.Done():
			return
		case n, ok := <-sub.C:
			switch {
			case !ok:
				return
			case n.Resync:
				for _, c := range caches {
					c.Forget()
				}
			default:
				for _, c := range caches {
					c.Heard(n.Event)
				}
			}
		}
	}
}
