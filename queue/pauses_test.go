package queue_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
)

// A pause is recorded with the reason picked, the first reason offered by
// default, none when the office offers none; a reason not offered
// (unknown, archived) is EINVALID on reason_id and pauses nothing; pausing
// again switches the reason, ending the first pause; sign-out ends it.
func TestPauseReasonRecorded(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		h := newHall(t, db)
		c, u := h.clerk(t, 1)
		rs, err := h.offices.PauseReasons(ctx)
		if err != nil || len(rs) != 3 {
			t.Fatalf("reasons %v %v", rs, err)
		}
		for _, bad := range []int64{999999, rs[2].ID} {
			if bad == rs[2].ID {
				if err := db.Exec("UPDATE pause_reasons SET archived_at = ? WHERE id = ?", h.clock.Now(), bad).Error; err != nil {
					t.Fatal(err)
				}
			}
			_, err := h.q.PauseCounter(ctx, c, u, bad)
			if e, ok := err.(*okienko.Error); !ok || e.Code != okienko.EINVALID || e.Fields["reason_id"] == "" {
				t.Errorf("reason %d: %v, want EINVALID on reason_id", bad, err)
			}
		}
		if st, _ := h.q.State(ctx, c); st.Status != "open" {
			t.Fatalf("a refused pause paused: %s", st.Status)
		}
		if _, err := h.q.PauseCounter(ctx, c, u, 0); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(5 * time.Minute)
		if _, err := h.q.PauseCounter(ctx, c, u, rs[1].ID); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(7 * time.Minute)
		if err := h.q.CloseCounter(ctx, c, u); err != nil {
			t.Fatal(err)
		}
		// No reason offered: the pause has none.
		if err := db.Exec("UPDATE pause_reasons SET archived_at = ?", h.clock.Now()).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := h.q.OpenCounter(ctx, c, u, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := h.q.PauseCounter(ctx, c, u, 0); err != nil {
			t.Fatal(err)
		}
		day := office.DateOf(h.clock.Now().In(warsaw))
		ps, err := h.q.Pauses(ctx, day, day)
		if err != nil || len(ps) != 3 {
			t.Fatalf("pauses %+v %v", ps, err)
		}
		if *ps[0].ReasonID != rs[0].ID || ps[0].EndedAt.Sub(ps[0].StartedAt) != 5*time.Minute {
			t.Errorf("first pause %+v", ps[0])
		}
		if *ps[1].ReasonID != rs[1].ID || ps[1].EndedAt.Sub(ps[1].StartedAt) != 7*time.Minute {
			t.Errorf("second pause (ended at sign-out) %+v", ps[1])
		}
		if ps[2].ReasonID != nil || ps[2].EndedAt != nil {
			t.Errorf("third pause %+v", ps[2])
		}
	})
}

// Ten pauses of one counter at once leave exactly one pause open.
func TestPauseRace(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		h := newHall(t, db)
		c, u := h.clerk(t, 1)
		var wg sync.WaitGroup
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = h.q.PauseCounter(ctx, c, u, 0)
			}()
		}
		wg.Wait()
		var open, all int64
		db.Table("counter_pauses").Where("counter_id = ? AND ended_at IS NULL", c).Count(&open)
		db.Table("counter_pauses").Where("counter_id = ?", c).Count(&all)
		if open != 1 || all < 1 {
			t.Fatalf("%d pauses open of %d, want exactly 1 open", open, all)
		}
	})
}
