package queue_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/queue"
)

// letter sets svc's own ticket letter ("" for its department's).
func (h *hall) letter(t *testing.T, svc *office.Service, letter string) *office.Service {
	t.Helper()
	out, err := h.offices.UpdateService(context.Background(), svc.ID, func(s *office.ServiceSpec) error {
		s.TicketPrefix = &letter
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// One number stream per letter (Warsaw's literaGrupy): tickets issued at
// once for two matters of two departments showing the same letter get
// distinct, consecutive numbers of that letter; a matter with a letter of
// its own counts from 1, and the department's letter keeps its own count.
// Each kind (walk-in, remote) is a stream of its own within a letter.
func TestLetterStreamRace(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db) // department D with A and B
		ctx := context.Background()
		day := [][]string{{"07:00", "19:00"}}
		k, err := h.offices.CreateDepartment(ctx, office.DepartmentSpec{Name: "Komunikacja", TicketPrefix: "K", LastTicketMinutes: 15,
			Hours: office.WeekHours{Mon: day, Tue: day, Wed: day, Thu: day, Fri: day, Sat: day, Sun: day}})
		if err != nil {
			t.Fatal(err)
		}
		c := h.service(t, k.ID, "Prawo jazdy", 15)
		h.walkIn(t, h.b, false) // D001: the department's letter, before any matter had one

		a, c := h.letter(t, h.a, "pj"), h.letter(t, c, " PJ ") // normalised to PJ
		if a.TicketPrefix == nil || *a.TicketPrefix != "PJ" || *c.TicketPrefix != "PJ" {
			t.Fatalf("letters %v %v, want PJ", a.TicketPrefix, c.TicketPrefix)
		}
		const n = 16
		var wg sync.WaitGroup
		var mu sync.Mutex
		var numbers []string
		var seqs []int
		start := make(chan struct{})
		for i := range n {
			svc := a
			if i%2 == 1 {
				svc = c
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				tk, err := h.q.IssueWalkIn(ctx, svc.ID, false)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				numbers, seqs = append(numbers, tk.Number), append(seqs, tk.Seq)
				mu.Unlock()
			}()
		}
		close(start)
		wg.Wait()
		slices.Sort(numbers)
		slices.Sort(seqs)
		for i := range n {
			if i >= len(numbers) || numbers[i] != fmt.Sprintf("PJ%03d", i+1) || seqs[i] != i+1 {
				t.Fatalf("numbers %v (seq %v), want PJ001…PJ%03d once each", numbers, seqs, n)
			}
		}

		b := h.letter(t, h.b, "W")
		for i, want := range []struct {
			svc    *office.Service
			number string
		}{{b, "W001"}, {b, "W002"}, {a, "PJ017"}} {
			tk, err := h.q.IssueWalkIn(ctx, want.svc.ID, false)
			if err != nil || tk.Number != want.number {
				t.Fatalf("ticket %d: %v %v, want %s", i, tk, err, want.number)
			}
		}
		// Back to the department's letter: D's count goes on where it was.
		h.letter(t, h.b, "")
		if tk, err := h.q.IssueWalkIn(ctx, h.b.ID, false); err != nil || tk.Number != "D002" {
			t.Fatalf("back to D: %v %v, want D002", tk, err)
		}
		// The remote queue of a letter is a stream of its own: PJE01.
		h.allowRemote(t, c, 5, false)
		if tk, err := h.q.IssueRemote(ctx, queue.RemoteSpec{ServiceID: c.ID, Phone: "600100200"}); err != nil || tk.Number != "PJE01" {
			t.Fatalf("remote: %v %v, want PJE01", tk, err)
		}
		// The open data names each matter's letter.
		data, err := h.q.OpenData(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		letters := map[int64]string{}
		for _, s := range data.Services {
			letters[s.ServiceID] = s.Letter
		}
		if letters[a.ID] != "PJ" || letters[c.ID] != "PJ" || letters[h.b.ID] != "D" {
			t.Errorf("open data letters %v; want PJ for %d and %d, D for %d", letters, a.ID, c.ID, h.b.ID)
		}
	})
}

// A matter's letter is 1–3 letters A–Z; past one letter it may not end in
// E or R (D's remote tickets are DE05, its bookings DR05). A wrong one is
// EINVALID naming ticket_prefix, and nothing changes.
func TestLetterValidation(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		ctx := context.Background()
		for _, bad := range []string{"ABCD", "A1", "Ż", "DE", "DR", "ABE", "A B", "-"} {
			_, err := h.offices.UpdateService(ctx, h.a.ID, func(s *office.ServiceSpec) error {
				s.TicketPrefix = &bad
				return nil
			})
			var ae *okienko.Error
			if code(err) != okienko.EINVALID || !asError(err, &ae) || ae.Fields["ticket_prefix"] == "" {
				t.Errorf("letter %q: %v, want EINVALID naming ticket_prefix", bad, err)
			}
		}
		for _, good := range []string{"E", "R", "ED", "ABC", "x"} {
			if _, err := h.offices.UpdateService(ctx, h.a.ID, func(s *office.ServiceSpec) error {
				s.TicketPrefix = &good
				return nil
			}); err != nil {
				t.Errorf("letter %q: %v", good, err)
			}
		}
		spec := office.DefaultServiceSpec()
		bad := "DE"
		spec.DepartmentID, spec.Name, spec.TicketPrefix = h.dep.ID, "Nowa", &bad
		if _, err := h.offices.CreateService(ctx, spec); code(err) != okienko.EINVALID {
			t.Errorf("create with DE: %v, want EINVALID", err)
		}
		svc, err := h.offices.Service(ctx, h.a.ID)
		if err != nil || svc.TicketPrefix == nil || *svc.TicketPrefix != "X" {
			t.Fatalf("stored letter %v %v, want X (the last good one)", svc.TicketPrefix, err)
		}
	})
}
