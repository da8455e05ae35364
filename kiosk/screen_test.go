package kiosk_test

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/kiosk"
)

// A kiosk's screen settings: defaults of 45 s on choices, 90 s when typing,
// the warning 20 s before, the standard layout; set and kept; out of bounds
// EINVALID naming the one field, nothing written.
func TestKioskScreenSettings(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, officeID := setup(t, db)
		ctx := context.Background()
		spec := kiosk.DefaultSpec()
		spec.Name = "Biletomat"
		k, err := s.Create(ctx, officeID, spec)
		if err != nil {
			t.Fatal(err)
		}
		if want := (kiosk.Screen{IdleSeconds: 45, InputIdleSeconds: 90, WarnSeconds: 20, Layout: "standard"}); k.Screen != want {
			t.Errorf("a new kiosk's screen: %+v, want %+v", k.Screen, want)
		}
		want := kiosk.Screen{IdleSeconds: 60, InputIdleSeconds: 180, WarnSeconds: 40, Layout: "low"}
		if _, err := s.Update(ctx, k.ID, func(sp *kiosk.Spec) error { sp.SetScreen(want); return nil }); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Get(ctx, k.ID); err != nil || got.Screen != want {
			t.Fatalf("after the update: %+v %v, want %+v", got.Screen, err, want)
		}
		for _, tt := range []struct {
			name, field string
			edit        func(*kiosk.Screen)
		}{
			{"idle 29 s", "idle_seconds", func(sc *kiosk.Screen) { sc.IdleSeconds = 29 }},
			{"idle 601 s", "idle_seconds", func(sc *kiosk.Screen) { sc.IdleSeconds = 601 }},
			{"input idle 0", "input_idle_seconds", func(sc *kiosk.Screen) { sc.InputIdleSeconds = 0 }},
			{"input idle 10 min 1 s", "input_idle_seconds", func(sc *kiosk.Screen) { sc.InputIdleSeconds = 601 }},
			{"warning 19 s", "warn_seconds", func(sc *kiosk.Screen) { sc.WarnSeconds = 19 }},
			{"warning 121 s", "warn_seconds", func(sc *kiosk.Screen) { sc.WarnSeconds = 121 }},
			{"warning as long as the idle time", "warn_seconds", func(sc *kiosk.Screen) { sc.WarnSeconds = 60 }},
			{"warning longer than typing's", "warn_seconds", func(sc *kiosk.Screen) { sc.IdleSeconds, sc.InputIdleSeconds, sc.WarnSeconds = 120, 50, 60 }},
			{"layout high", "layout", func(sc *kiosk.Screen) { sc.Layout = "high" }},
			{"layout empty", "layout", func(sc *kiosk.Screen) { sc.Layout = "" }},
		} {
			_, err := s.Update(ctx, k.ID, func(sp *kiosk.Spec) error { sc := sp.Screen(); tt.edit(&sc); sp.SetScreen(sc); return nil })
			if e := okienko.AsError(err); e.Code != okienko.EINVALID || e.Fields[tt.field] == "" || len(e.Fields) != 1 {
				t.Errorf("%s: %v; want EINVALID on %s only", tt.name, err, tt.field)
			}
			bad := kiosk.DefaultSpec()
			bad.Name = "Inny"
			sc := bad.Screen()
			tt.edit(&sc)
			bad.SetScreen(sc)
			if _, err := s.Create(ctx, officeID, bad); okienko.AsError(err).Fields[tt.field] == "" {
				t.Errorf("create with %s: %v; want EINVALID on %s", tt.name, err, tt.field)
			}
		}
		if got, err := s.Get(ctx, k.ID); err != nil || got.Screen != want {
			t.Errorf("after refused updates: %+v %v, want %+v", got.Screen, err, want)
		}
		if ks, _ := s.List(ctx); len(ks) != 1 {
			t.Errorf("%d kiosks after refused creates, want 1", len(ks))
		}
	})
}
