package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
)

// Sizes of BenchmarkAvailability's data.
const (
	windowBookings = 50000 // live bookings in the 30-day window
	historyDays    = 730   // two years of past days
	historyPerDay  = 500   // bookings per past weekday: about 261,000
	calendarCalls  = 200   // requests per round and figure
)

// BenchmarkAvailability: what a resident waits for to see a matter's
// 30-day calendar (GET /api/v1/services/{id}/days?from=today&to=+30) and
// one day's slots (GET …/slots?date=), over HTTP from the server in its own
// process, with 50,000 live bookings in those 30 days (about 80 per slot of
// a matter of capacity 100, open Monday to Friday 08:00–16:00) and two
// years of past bookings (500 per weekday, checked in). Each round is 200
// requests of each, one after another; target p99 under 10 ms.
func BenchmarkAvailability(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) { availability(b, kind) })
	}
}

func availability(b *testing.B, kind string) {
	dbURL := benchDatabaseURL(b, kind)
	s := startBenchServer(b, dbURL, nil)
	svc, _ := s.matter("Kalendarz", officeHours, 100, 30)
	loc, err := time.LoadLocation("Europe/Warsaw")
	if err != nil {
		b.Fatal(err)
	}
	today := time.Now().In(loc)
	from, to := today.Format(time.DateOnly), today.AddDate(0, 0, 30).Format(time.DateOnly)
	var window []benchSlot
	var dates []string
	for d := 0; d <= 30; d++ {
		date := today.AddDate(0, 0, d).Format(time.DateOnly)
		sl := s.slots(svc, date)
		if len(sl) > 0 {
			dates = append(dates, date)
		}
		window = append(window, sl...)
	}
	if len(window)*100 < windowBookings {
		b.Fatalf("%d slots in the window hold fewer than %d bookings", len(window), windowBookings)
	}
	db := databasetest.Open(b, dbURL)
	t0 := time.Now()
	seedBookings(b, db, svc, window, loc)
	clock := okienko.SystemClock{}
	if _, err := booking.NewStore(db, clock, office.NewStore(db, clock), benchSecret).RebuildLoad(context.Background()); err != nil {
		b.Fatal(err)
	}
	if kind == "postgres" {
		db.Exec("ANALYZE")
	} else {
		db.Exec("ANALYZE")
		db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	}
	b.Logf("seeded %d bookings in the window and two years of history in %v", windowBookings, time.Since(t0).Round(time.Second))
	s.restart() // nothing cached from before the seed
	free := func(sl []benchSlot) (n int) {
		for _, x := range sl {
			n += x.Free
		}
		return n
	}
	before, after := free(window), 0
	for _, date := range dates {
		after += free(s.slots(svc, date))
	}
	if taken := before - after; taken < windowBookings-1000 || taken > windowBookings {
		b.Fatalf("the calendar shows %d seats taken, want about %d: the seeded bookings don't match the slots", taken, windowBookings)
	}
	days := fmt.Sprintf("/api/v1/services/%d/days?from=%s&to=%s", svc, from, to)
	get := func(path string) time.Duration {
		t0 := time.Now()
		code, out := s.call("GET", path, nil, "", "")
		d := time.Since(t0)
		if code != 200 {
			b.Fatalf("GET %s: %d %s", path, code, out)
		}
		return d
	}
	for i := range 20 { // the first requests fill the connection pools
		get(days)
		get(fmt.Sprintf("/api/v1/services/%d/slots?date=%s", svc, dates[i%len(dates)]))
	}
	f := newFigures()
	for b.Loop() {
		cal, day := make([]time.Duration, calendarCalls), make([]time.Duration, calendarCalls)
		for i := range calendarCalls {
			cal[i] = get(days)
		}
		for i := range calendarCalls {
			day[i] = get(fmt.Sprintf("/api/v1/services/%d/slots?date=%s", svc, dates[i%len(dates)]))
		}
		f.add("days-30-p50-ms", ms(cal, 0.50), "the 30-day calendar, median of 200 requests")
		f.add("days-30-p99-ms", ms(cal, 0.99), "the 30-day calendar, 99th percentile (target < 10)")
		f.add("slots-p50-ms", ms(day, 0.50), "one day's slots, median of 200 requests")
		f.add("slots-p99-ms", ms(day, 0.99), "one day's slots, 99th percentile")
	}
	f.report(b)
}

// seedBookings writes windowBookings live bookings of svc spread over the
// window's slots, and historyPerDay checked-in bookings on every weekday of
// the historyDays before today (08:00–16:00 in loc, 15-minute slots):
// INSERT … SELECT generate_series on PostgreSQL, batches of rows on SQLite.
func seedBookings(b *testing.B, db *gorm.DB, svc int64, window []benchSlot, loc *time.Location) {
	if db.Dialector.Name() == "postgres" {
		starts, ends := make([]string, len(window)), make([]string, len(window))
		for i, sl := range window {
			starts[i], ends[i] = sl.Start.UTC().Format(time.RFC3339), sl.End.UTC().Format(time.RFC3339)
		}
		per := (windowBookings + len(window) - 1) / len(window)
		err := db.Exec(`INSERT INTO bookings (code, service_id, day, starts_at, ends_at, status, name, email, pesel_hmac, pesel_last4, lang, consent_at, created_at, updated_at)
			SELECT 'W' || lpad((s.k * 1000 + g)::text, 9, '0'), ?, (s.st AT TIME ZONE ?)::date, s.st, s.en, 'booked', 'Jan Kowalski', 'jan@example.pl',
				md5('w' || s.k || '-' || g), '1234', 'pl', now(), now(), now()
			FROM unnest(?::timestamptz[], ?::timestamptz[]) WITH ORDINALITY AS s(st, en, k), generate_series(1, ?) g
			ORDER BY g, s.k LIMIT ?`,
			svc, loc.String(), "{"+strings.Join(starts, ",")+"}", "{"+strings.Join(ends, ",")+"}", per, windowBookings).Error
		if err != nil {
			b.Fatal(err)
		}
		err = db.Exec(`INSERT INTO bookings (code, service_id, day, starts_at, ends_at, status, name, email, pesel_hmac, pesel_last4, lang, consent_at, created_at, updated_at, checked_in_at)
			SELECT 'H' || to_char(d, 'YYYYMMDD') || lpad(g::text, 4, '0'), ?, d::date, st, st + interval '15 minutes', 'checked_in', 'Jan Kowalski', 'jan@example.pl',
				md5('h' || d || '-' || g), '1234', 'pl', st, st, st, st
			FROM generate_series(current_date - ?::int, current_date - 1, interval '1 day') d,
				generate_series(0, ? - 1) g,
				LATERAL (SELECT ((d::date + time '08:00' + (g % 32) * interval '15 minutes') AT TIME ZONE ?) AS st) t
			WHERE extract(isodow FROM d) < 6`,
			svc, historyDays, historyPerDay, loc.String()).Error
		if err != nil {
			b.Fatal(err)
		}
		return
	}
	// SQLite keeps times as text, as its driver writes them (UTC, seconds,
	// "+00:00"), and compares them as text: the rows must match.
	const sqliteTime = "2006-01-02 15:04:05-07:00"
	err := db.Transaction(func(tx *gorm.DB) error {
		var slots []string
		var args []any
		for k, sl := range window {
			slots = append(slots, "(?, ?, ?, ?)")
			args = append(args, k, sl.Start.UTC().Format(sqliteTime), sl.End.UTC().Format(sqliteTime), office.DateOf(sl.Start.In(loc)).String())
		}
		per := (windowBookings + len(window) - 1) / len(window)
		args = append(args, per, svc, windowBookings)
		err := tx.Exec(`WITH RECURSIVE s(k, st, en, day) AS (VALUES `+strings.Join(slots, ", ")+`),
				g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?)
			INSERT INTO bookings (code, service_id, day, starts_at, ends_at, status, name, email, pesel_hmac, pesel_last4, lang, consent_at, created_at, updated_at)
			SELECT printf('W%09d', s.k * 1000 + g.n), ?, s.day, s.st, s.en, 'booked', 'Jan Kowalski', 'jan@example.pl',
				hex(randomblob(16)), '1234', 'pl', s.st, s.st, s.st
			FROM g, s ORDER BY g.n, s.k LIMIT ?`, args...).Error
		if err != nil {
			return err
		}
		var days []string
		args = args[:0]
		today := time.Now().In(loc)
		for d := historyDays; d >= 1; d-- {
			day := today.AddDate(0, 0, -d)
			if day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
				continue
			}
			open := time.Date(day.Year(), day.Month(), day.Day(), 8, 0, 0, 0, loc).UTC()
			days = append(days, "(?, ?)")
			args = append(args, day.Format(time.DateOnly), open.Format(time.DateTime))
		}
		args = append(args, historyPerDay, svc)
		return tx.Exec(`WITH RECURSIVE d(day, open) AS (VALUES `+strings.Join(days, ", ")+`),
				g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < ? - 1),
				t(day, n, st) AS (SELECT d.day, g.n, datetime(d.open, '+' || ((g.n % 32) * 15) || ' minutes') FROM d, g)
			INSERT INTO bookings (code, service_id, day, starts_at, ends_at, status, name, email, pesel_hmac, pesel_last4, lang, consent_at, created_at, updated_at, checked_in_at)
			SELECT 'H' || replace(t.day, '-', '') || printf('%04d', t.n), ?, t.day, t.st || '+00:00', datetime(t.st, '+15 minutes') || '+00:00', 'checked_in',
				'Jan Kowalski', 'jan@example.pl', hex(randomblob(16)), '1234', 'pl', t.st || '+00:00', t.st || '+00:00', t.st || '+00:00', t.st || '+00:00'
			FROM t`, args...).Error
	})
	if err != nil {
		b.Fatal(err)
	}
}
