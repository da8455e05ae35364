package stats_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/stats"
)

// Remote tickets (the remote queue) are counted apart, in remote_tickets,
// and among the tickets issued; in the JSON figures and in the CSV.
func TestStatsCountRemoteTicketsApart(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := seed(t, db)
		local := localTime(t)
		var officeID int64
		db.Raw("SELECT id FROM offices").Scan(&officeID)
		for i, hh := range []int{9, 12} {
			issued := local(0, hh, 0, 0).UTC()
			if err := db.Exec(`INSERT INTO tickets (public_id, office_id, department_id, service_id, day, kind, seq, number, status,
				issued_at, due_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'remote', ?, ?, 'waiting', ?, ?, ?, ?)`,
				fmt.Sprintf("remote%d", i), officeID, s.c.DepartmentID, s.c.ID, office.DateOf(local(0, 0, 0, 0)), i+1, fmt.Sprintf("XE%02d", i+1),
				issued, issued, issued, issued).Error; err != nil {
				t.Fatal(err)
			}
		}
		store := stats.New(db, okienko.NewManualClock(local(0, 18, 0, 0)))
		day := office.DateOf(local(0, 0, 0, 0))
		rep, err := store.Report(context.Background(), stats.Query{From: day, To: day}, warsaw)
		if err != nil {
			t.Fatal(err)
		}
		var c *stats.ServiceTotal
		for i := range rep.Services {
			if rep.Services[i].ServiceID == s.c.ID {
				c = &rep.Services[i]
			}
		}
		if c == nil || c.RemoteTickets != 2 || c.TicketsIssued != 3 || c.WalkIns != 1 || c.BookingTickets != 0 {
			t.Fatalf("matter C: %+v, want 2 remote of 3 issued", c)
		}
		if rep.Total.RemoteTickets != 2 || rep.Total.TicketsIssued != 10 {
			t.Fatalf("total: %d remote of %d issued, want 2 of 10", rep.Total.RemoteTickets, rep.Total.TicketsIssued)
		}
		var buf bytes.Buffer
		if err := stats.WriteCSV(&buf, rep); err != nil {
			t.Fatal(err)
		}
		remote := 0
		for _, r := range ParseCSV(t, buf.Bytes()) {
			remote += r.RemoteTickets
		}
		if remote != 2 {
			t.Fatalf("the CSV counts %d remote tickets, want 2", remote)
		}
	})
}
