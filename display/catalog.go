package display

import (
	"context"

	"github.com/okienko/okienko/office"
)

// catalogBuffer is the notes the catalog follower may fall behind by before
// the hub drops it (it then forgets everything and subscribes again).
const catalogBuffer = 1024

// FollowCatalog makes the catalog cache of offices forget whenever any
// instance changes the catalog: on every office.EventCatalogChanged the hub
// delivers, on every Resync (events may have been lost), and whenever its
// subscription starts (on a PGHub, once the hub listens), so nothing changed
// before it was following survives. It returns when ctx ends. It opens no
// connection of its own: the hub's LISTEN carries the events.
func FollowCatalog(ctx context.Context, hub Hub, offices *office.Store) {
	if r, ok := hub.(interface{ Ready() <-chan struct{} }); ok {
		select {
		case <-r.Ready():
		case <-ctx.Done():
			return
		}
	}
	for ctx.Err() == nil {
		sub := hub.Subscribe(catalogBuffer)
		offices.Forget()
		followCatalog(ctx, sub, offices)
		sub.Close()
	}
}

// followCatalog applies notes until ctx ends or the hub drops sub.
func followCatalog(ctx context.Context, sub *Subscription, offices *office.Store) {
	for {
		select {
		case <-ctx.Done():
			return
		case n, ok := <-sub.C:
			switch {
			case !ok:
				return
			case n.Resync:
				offices.Forget()
			default:
				offices.Heard(n.Event)
			}
		}
	}
}
