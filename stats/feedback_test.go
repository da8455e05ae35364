package stats_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/stats"
)

// The residents' answers count per matter, per counter, per day and in
// total on the ticket's office day (count and average score); an answer
// whose ticket went still counts; the CSV carries both figures.
func TestStatsFeedbackPerMatterAndCounter(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := seed(t, db)
		local := localTime(t)
		day := office.DateOf(local(0, 0, 0, 0))
		// The done tickets of A (pub1, pub2, pub3 at counter 1) and B (pub6,
		// pub7 at counter 2), and the one of the day before (pub9).
		answer := func(pub string, score int) {
			t.Helper()
			if err := db.Exec(`INSERT INTO feedback (ticket_id, day, department_id, service_id, counter_id, score, comment, created_at)
				SELECT id, day, department_id, service_id, counter_id, ?, '', ? FROM tickets WHERE public_id = ?`, score, local(0, 18, 0, 0).UTC(), pub).Error; err != nil {
				t.Fatal(err)
			}
		}
		answer("pub1", 5)
		answer("pub2", 4)
		answer("pub3", 4)
		answer("pub6", 1)
		answer("pub9", 1) // the day before: outside
		// A ticket gone (its link dropped) still counts for B at counter 2.
		if err := db.Exec(`INSERT INTO feedback (ticket_id, day, department_id, service_id, counter_id, score, comment, created_at)
			VALUES (NULL, ?, ?, ?, ?, 2, '', ?)`, day, s.b.DepartmentID, s.b.ID, s.c2.ID, local(0, 18, 0, 0).UTC()).Error; err != nil {
			t.Fatal(err)
		}
		store := stats.New(db, okienko.NewManualClock(local(0, 18, 0, 0)))
		rep, err := store.Report(context.Background(), stats.Query{From: day, To: day}, warsaw)
		if err != nil {
			t.Fatal(err)
		}
		avg := func(f stats.Figures) float64 {
			if f.FeedbackAverage == nil {
				return -1
			}
			return *f.FeedbackAverage
		}
		got := map[string][2]float64{}
		for _, r := range rep.Services {
			got["service "+r.ServiceName] = [2]float64{float64(r.FeedbackCount), avg(r.Figures)}
		}
		for _, r := range rep.Counters {
			got["counter "+r.CounterName] = [2]float64{float64(r.FeedbackCount), avg(r.Figures)}
		}
		got["total"] = [2]float64{float64(rep.Total.FeedbackCount), avg(rep.Total)}
		got["day"] = [2]float64{float64(rep.Days[0].FeedbackCount), avg(rep.Days[0].Figures)}
		want := map[string][2]float64{
			"service " + s.a.Name: {3, 4.33}, "service " + s.b.Name: {2, 1.5}, "service " + s.c.Name: {0, -1},
			"counter Okienko 1": {3, 4.33}, "counter Okienko 2": {2, 1.5},
			"total": {5, 3.2}, "day": {5, 3.2},
		}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s: %v, want %v", k, got[k], w)
			}
		}
		for _, table := range []string{stats.TableServices, stats.TableCounters} {
			recs := readCSVTable(t, rep, table)
			h := recs[0]
			if h[len(h)-26] != "feedback_count" || h[len(h)-25] != "feedback_average" {
				t.Fatalf("%s header %v", table, h)
			}
			if r := recs[1]; r[len(r)-26] != "3" || r[len(r)-25] != "4.33" {
				t.Errorf("%s first row feedback %v %v", table, r[len(r)-26], r[len(r)-25])
			}
		}
	})
}

// readCSVTable writes one table of rep as CSV and reads it back.
func readCSVTable(t *testing.T, rep *stats.Report, table string) [][]string {
	t.Helper()
	var buf bytes.Buffer
	if err := stats.WriteTableCSV(&buf, rep, table); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("%s: %v %d records", table, err, len(recs))
	}
	return recs
}

// The comments of a range: score, comment, matter, counter and day, newest
// day first, nothing of other days; a range out of bounds is refused
// naming the field.
func TestStatsComments(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := seed(t, db)
		local := localTime(t)
		day := office.DateOf(local(0, 0, 0, 0))
		answer := func(pub string, score int, comment string) {
			t.Helper()
			if err := db.Exec(`INSERT INTO feedback (ticket_id, day, department_id, service_id, counter_id, score, comment, created_at)
				SELECT id, day, department_id, service_id, counter_id, ?, ?, ? FROM tickets WHERE public_id = ?`, score, comment, local(0, 18, 0, 0).UTC(), pub).Error; err != nil {
				t.Fatal(err)
			}
		}
		answer("pub1", 5, "Szybko i miło.")
		answer("pub6", 2, "")
		answer("pub9", 1, "Dzień wcześniej") // the day before
		store := stats.New(db, okienko.NewManualClock(local(0, 18, 0, 0)))
		got, err := store.Comments(context.Background(), day, day)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("comments %+v", got)
		}
		byScore := map[int]stats.Comment{got[0].Score: got[0], got[1].Score: got[1]}
		if c := byScore[5]; c.Comment != "Szybko i miło." || c.Service != s.a.Name || c.Counter != "Okienko 1" || c.Day != day {
			t.Errorf("the 5: %+v", c)
		}
		if c := byScore[2]; c.Service != s.b.Name || c.Counter != "Okienko 2" || c.Comment != "" {
			t.Errorf("the 2: %+v", c)
		}
		all, err := store.Comments(context.Background(), day.AddDays(-1), day)
		if err != nil || len(all) != 3 || all[2].Comment != "Dzień wcześniej" {
			t.Fatalf("two days: %+v %v", all, err)
		}
		early, err := office.ParseDate("1999-12-31")
		if err != nil {
			t.Fatal(err)
		}
		for field, r := range map[string][2]office.Date{
			"to":   {day, day.AddDays(-1)},
			"from": {early, day},
		} {
			_, err := store.Comments(context.Background(), r[0], r[1])
			var oe *okienko.Error
			if !errors.As(err, &oe) || oe.Code != okienko.EINVALID || oe.Fields[field] == "" {
				t.Errorf("%s: %v", field, err)
			}
		}
		if _, err := store.Comments(context.Background(), day, day.AddDays(stats.MaxDays)); okienko.ErrorCode(err) != okienko.EINVALID {
			t.Errorf("a range over %d days: %v", stats.MaxDays, err)
		}
	})
}
