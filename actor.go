package okienko

import "context"

// Roles of users.
const (
	RoleAdmin = "admin"
	RoleClerk = "clerk"
)

// Actor is who performs an operation: a signed-in user, a kiosk, or the
// system itself (jobs, the shell).
type Actor struct {
	UserID    int64  // 0 for kiosks and the system
	KioskID   int64  // set for kiosk devices
	Name      string // username, kiosk name or "system"
	Role      string // RoleAdmin, RoleClerk, "kiosk" or "system"
	RequestID string
}

// SystemActor acts for jobs and shell commands.
var SystemActor = Actor{Name: "system", Role: "system"}

type actorKey struct{}

// WithActor returns a context carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or SystemActor when there is none.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return SystemActor
}
