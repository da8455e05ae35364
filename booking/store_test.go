package booking_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/booking/bookingtest"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/event"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/officetest"
)

var warsaw = officetest.Warsaw

// pesel returns the n-th of a series of valid PESELs (distinct birth dates
// from 1970 on, serial from n), so every test resident is somebody else.
func pesel(n int) string {
	born := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n)
	month := int(born.Month())
	if born.Year() >= 2000 {
		month += 20
	}
	return peselBorn(fmt.Sprintf("%02d%02d%02d", born.Year()%100, month, born.Day()), n%10000)
}

// world is a booking store over a real database with one office, one
// department open Monday 08:00–16:00 and Tuesday–Friday 07:30–15:30, and one
// service, at a fixed moment: the test week's Monday (officetest.Anchor),
// 08:00 in Warsaw.
type world struct {
	db      *gorm.DB
	week    officetest.Week
	clock   *okienko.ManualClock
	offices *office.Store
	store   *booking.Store
	dep     *office.Department
	svc     *office.Service
}

func newWorld(t testing.TB, db *gorm.DB, tune func(*office.ServiceSpec)) *world {
	t.Helper()
	week := officetest.Anchor(t)
	clock := okienko.NewManualClock(week.At(0, 8, 0))
	offices, dep, svc := officetest.New(t, db, clock, tune)
	return &world{db: db, week: week, clock: clock, offices: offices, store: booking.NewStore(db, clock, offices, "test-secret"), dep: dep, svc: svc}
}

// at is hh:mm on the Warsaw wall clock n days after the test week's Monday.
func (w *world) at(n, hh, mm int) time.Time { return w.week.At(n, hh, mm) }

// day is the office day n days after the test week's Monday.
func (w *world) day(n int) office.Date { return w.week.Day(n) }

// daysTo is how many days d is after the test week's Monday.
func (w *world) daysTo(d office.Date) int {
	return int(d.In(time.UTC, 0).Sub(w.week.Monday.In(time.UTC, 0)) / (24 * time.Hour))
}

// holidays returns the first n public holidays after the test week's
// Monday that fall on a weekday the department is open (Monday to Friday).
// Anchored weeks have none within 31 days of it; the written week's first
// are 24 and 25 December, days 31 and 32.
func (w *world) holidays(n int) []office.HolidayDay {
	var out []office.HolidayDay
	for y := w.week.Monday.Year; len(out) < n; y++ {
		for _, h := range office.Holidays(y) {
			if wd := h.Date.Weekday(); len(out) < n && h.Date.After(w.week.Monday) && wd != time.Saturday && wd != time.Sunday {
				out = append(out, h)
			}
		}
	}
	return out
}

func (w *world) request(n int, start time.Time) booking.Request {
	return booking.Request{
		ServiceID: w.svc.ID, Start: start, Name: "Zażółć Gęślą-Jaźń", PESEL: pesel(n),
		Email: fmt.Sprintf("mieszkaniec%d@example.pl", n), Phone: "600 123 456", Consent: true,
	}
}

func (w *world) count(t *testing.T, where string, args ...any) int64 {
	t.Helper()
	var n int64
	q := w.db.Model(&booking.Booking{})
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func wantCode(t *testing.T, err error, code string) *okienko.Error {
	t.Helper()
	if okienko.ErrorCode(err) != code {
		t.Fatalf("error %v, want code %s", err, code)
	}
	return okienko.AsError(err)
}

// The race: 200 residents at once for the last seat, at every
// capacity: the other seats are taken first, by residents booking the same
// slot and, where there are enough of them, a longer one overlapping it on
// another grid. Exactly one of the 200 wins.
func TestRaceForTheLastSeat(t *testing.T) {
	for _, capacity := range []int{1, 2, 5, 25} {
		t.Run(fmt.Sprintf("capacity %d", capacity), func(t *testing.T) {
			databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
				ctx := context.Background()
				w := newWorld(t, db, func(s *office.ServiceSpec) { s.Capacity = capacity; s.SlotMinutes = 30 })
				// 10:00–10:30 of the 30-minute grid from 07:30; then, on the
				// 15-minute grid, 10:00–10:15 and 10:15–10:30 each overlap it.
				start := w.at(1, 10, 0)
				taken := capacity - 1
				for i := 0; i < taken/2; i++ {
					if _, err := w.store.Book(ctx, w.request(1000+i, start)); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := w.offices.UpdateService(ctx, w.svc.ID, func(s *office.ServiceSpec) error { s.SlotMinutes = 15; return nil }); err != nil {
					t.Fatal(err)
				}
				for i := taken / 2; i < taken; i++ {
					at := start
					if i%2 == 1 {
						at = w.at(1, 10, 15)
					}
					if _, err := w.store.Book(ctx, w.request(1000+i, at)); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := w.offices.UpdateService(ctx, w.svc.ID, func(s *office.ServiceSpec) error { s.SlotMinutes = 30; return nil }); err != nil {
					t.Fatal(err)
				}
				if f := w.free(t, start); f != 1 {
					t.Fatalf("before the race the slot shows %d free, want 1", f)
				}
				const residents = 200
				var wg sync.WaitGroup
				errs := make([]error, residents)
				gate := make(chan struct{})
				for i := 0; i < residents; i++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-gate
						_, errs[i] = w.store.Book(ctx, w.request(i, start))
					}()
				}
				close(gate)
				wg.Wait()
				won, full := 0, 0
				for _, err := range errs {
					switch okienko.ErrorCode(err) {
					case "":
						won++
					case okienko.ECONFLICT:
						full++
					default:
						t.Errorf("unexpected error: %v", err)
					}
				}
				if won != 1 || full != residents-1 {
					t.Fatalf("%d booked and %d refused with 409, want 1 and %d", won, full, residents-1)
				}
				if n := w.count(t, "starts_at < ? AND ends_at > ? AND status = ?", start.Add(30*time.Minute).UTC(), start.UTC(), booking.StatusBooked); n != int64(capacity) {
					t.Fatalf("%d bookings stored overlapping the slot, want %d", n, capacity)
				}
				if f := w.free(t, start); f != 0 {
					t.Fatalf("the full slot shows %d free", f)
				}
				w.wantLoadOfBookings(t)
			})
		})
	}
}

func TestBookAndFind(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWorld(t, db, nil)
		ctx := context.Background()
		b, err := w.store.Book(ctx, w.request(1, w.at(1, 9, 15)))
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Code) != 8 || b.Status != booking.StatusBooked || !b.EndsAt.Equal(w.at(1, 9, 30)) || b.Day != w.day(1) {
			t.Fatalf("booking %+v", b)
		}
		// The PESEL is stored only as an HMAC and its last 4 digits.
		var raw map[string]any
		if err := db.Table("bookings").Where("id = ?", b.ID).Take(&raw).Error; err != nil {
			t.Fatal(err)
		}
		for k, v := range raw {
			if s, ok := v.(string); ok && strings.Contains(s, pesel(1)) {
				t.Fatalf("column %s holds the PESEL in plain text", k)
			}
		}
		if raw["pesel_last4"] != pesel(1)[7:] || raw["phone"] != "+48600123456" {
			t.Fatalf("stored last4 %v, phone %v", raw["pesel_last4"], raw["phone"])
		}
		for _, code := range []string{b.Code, booking.FormatCode(b.Code), strings.ToLower(booking.FormatCode(b.Code))} {
			got, err := w.store.Get(ctx, code)
			if err != nil || got.ID != b.ID {
				t.Fatalf("Get(%q) = %v, %v", code, got, err)
			}
		}
		wantCode(t, func() error { _, err := w.store.Get(ctx, "ABCD-EFGH"); return err }(), okienko.ENOTFOUND)
		wantCode(t, func() error { _, err := w.store.Get(ctx, "ABC"); return err }(), okienko.EINVALID)
		evs, err := event.Since(ctx, db, 0, booking.EventCreated, 10)
		if err != nil || len(evs) != 1 || evs[0].ObjectID != b.ID {
			t.Fatalf("created events %v %v", evs, err)
		}
	})
}

// Slots and days follow hours, lead time, window and bookings.
func TestSlotsAndDays(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWorld(t, db, nil)
		ctx := context.Background()
		mon := w.day(0)
		slots, err := w.store.Slots(ctx, w.svc.ID, mon)
		if err != nil {
			t.Fatal(err)
		}
		// Monday 08:00–16:00 in 15-minute slots is 32; now is 08:00 and the
		// lead time 60 minutes, so 09:00 is the first bookable: 28.
		if len(slots) != 28 || !slots[0].Start.Equal(w.at(0, 9, 0)) || !slots[27].End.Equal(w.at(0, 16, 0)) {
			t.Fatalf("%d slots from %v", len(slots), slots)
		}
		tue := w.day(1)
		slots, _ = w.store.Slots(ctx, w.svc.ID, tue)
		if len(slots) != 32 || !slots[0].Start.Equal(w.at(1, 7, 30)) || slots[0].Free != 1 {
			t.Fatalf("Tuesday: %d slots from %v", len(slots), slots[0])
		}
		if _, err := w.store.Book(ctx, w.request(1, w.at(1, 7, 30))); err != nil {
			t.Fatal(err)
		}
		slots, _ = w.store.Slots(ctx, w.svc.ID, tue)
		if slots[0].Free != 0 || slots[1].Free != 1 {
			t.Fatalf("after a booking: %v %v", slots[0], slots[1])
		}
		days, err := w.store.Days(ctx, w.svc.ID, mon, mon.AddDays(31))
		if err != nil {
			t.Fatal(err)
		}
		byDate := map[string]booking.Day{}
		for _, d := range days {
			byDate[d.Date.String()] = d
		}
		for date, want := range map[string]int{
			w.week.Date(0):  28, // today after the lead time
			w.week.Date(1):  31, // one taken
			w.week.Date(5):  0,  // Saturday
			w.week.Date(6):  0,  // Sunday
			w.week.Date(30): 32, // day 30 (a Wednesday): still in the window
			w.week.Date(31): 0,  // day 31 (in the written week also Christmas Eve)
		} {
			if got := byDate[date].Free; got != want {
				t.Errorf("%s free = %d, want %d", date, got, want)
			}
		}
		// A holiday is closed with its name as the reason: the first one
		// after the Monday (24 December, day 31, in the written week), read
		// from this calendar when it lies in it, else from its own.
		h := w.holidays(1)[0]
		hd, in := byDate[h.Date.String()]
		if !in {
			hdays, err := w.store.Days(ctx, w.svc.ID, h.Date, h.Date)
			if err != nil || len(hdays) != 1 {
				t.Fatalf("calendar of %s: %v %v", h.Date, hdays, err)
			}
			hd = hdays[0]
		}
		if hd.Closed != h.Name || hd.Free != 0 {
			t.Errorf("holiday %s (%s): closed %q, free %d", h.Date, h.Name, hd.Closed, hd.Free)
		}
		_, err = w.store.Days(ctx, w.svc.ID, mon, mon.AddDays(100))
		wantCode(t, err, okienko.EINVALID)
		_, err = w.store.Slots(ctx, 99999, mon)
		wantCode(t, err, okienko.ENOTFOUND)
	})
}

// The booking window and the grid: day 30 bookable, day 31 not; past slot,
// off-grid start, holiday, Sunday and closure refused with a reason.
func TestWindowAndGrid(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWorld(t, db, nil)
		ctx := context.Background()
		if _, err := w.offices.CreateClosure(ctx, office.ClosureSpec{StartsOn: w.day(9), Reason: "Awaria systemu"}); err != nil {
			t.Fatal(err)
		}
		// Day 30 from a Monday is a Wednesday (from Monday 23 November 2026,
		// Wednesday 23 December).
		if _, err := w.store.Book(ctx, w.request(1, w.at(30, 15, 15))); err != nil {
			t.Fatalf("day 30: %v", err)
		}
		cases := []struct {
			name  string
			start time.Time
			want  string
		}{
			{"day 31", w.at(31, 9, 0), "up to 30 days ahead"},
			{"past slot", w.at(0, 7, 45), "passed"},
			{"within the lead time", w.at(0, 8, 45), "60 minutes"},
			{"off the grid", w.at(1, 9, 10), "not a start time"},
			{"Sunday", w.at(6, 10, 0), "does not receive"},
			{"closure", w.at(9, 10, 0), "Awaria systemu"},
			{"before opening", w.at(1, 7, 0), "not a start time"},
			{"the last slot's end", w.at(1, 15, 30), "not a start time"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := w.store.Book(ctx, w.request(2, tc.start))
				e := wantCode(t, err, okienko.EINVALID)
				if !strings.Contains(e.Fields["start"], tc.want) {
					t.Fatalf("start: %q, want it to say %q", e.Fields["start"], tc.want)
				}
			})
		}
		if n := w.count(t, ""); n != 1 {
			t.Fatalf("%d bookings stored, want only day 30's", n)
		}
		// Holidays inside a longer window: the first three after the Monday
		// on a weekday the department is open (in the written week Christmas
		// Eve, from 2025 on, Christmas Day and New Year's Day), the window
		// stretched to at least 60 days to hold them.
		hols := w.holidays(3)
		ahead := max(60, w.daysTo(hols[len(hols)-1].Date))
		if _, err := w.offices.UpdateService(ctx, w.svc.ID, func(s *office.ServiceSpec) error { s.BookingDaysAhead = ahead; return nil }); err != nil {
			t.Fatal(err)
		}
		for _, h := range hols {
			day := h.Date.In(warsaw, 9*60)
			_, err := w.store.Book(ctx, w.request(3, day))
			e := wantCode(t, err, okienko.EINVALID)
			if !strings.Contains(e.Fields["start"], "closed") || !strings.Contains(e.Fields["start"], h.Name) {
				t.Errorf("%v: %q does not say the office is closed for %s", day, e.Fields["start"], h.Name)
			}
		}
	})
}

func TestBadInputWritesNothing(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWorld(t, db, nil)
		ctx := context.Background()
		ok := w.request(1, w.at(1, 10, 0))
		monthThirteen := bookingtest.PESEL("4413010123") // month 13, a right check digit
		badChecksum := pesel(1)[:10] + fmt.Sprint((int(pesel(1)[10]-'0')+1)%10)
		cases := []struct {
			name  string
			edit  func(r *booking.Request)
			field string
		}{
			{"PESEL checksum", func(r *booking.Request) { r.PESEL = badChecksum }, "pesel"},
			{"PESEL month 13", func(r *booking.Request) { r.PESEL = monthThirteen }, "pesel"},
			{"PESEL 10 digits", func(r *booking.Request) { r.PESEL = "4405140135" }, "pesel"},
			{"PESEL letters", func(r *booking.Request) { r.PESEL = "4405140135X" }, "pesel"},
			{"PESEL missing", func(r *booking.Request) { r.PESEL = "" }, "pesel"},
			{"SQL in the name", func(r *booking.Request) { r.Name = `"; DROP TABLE bookings; --` }, "name"},
			{"10,000-character name", func(r *booking.Request) { r.Name = strings.Repeat("Ą", 10000) }, "name"},
			{"one-letter name", func(r *booking.Request) { r.Name = "A" }, "name"},
			{"bad e-mail", func(r *booking.Request) { r.Email = "not-an-address" }, "email"},
			{"missing e-mail", func(r *booking.Request) { r.Email = "" }, "email"},
			{"landline phone", func(r *booking.Request) { r.Phone = "22 123 45 67" }, "phone"},
			{"no consent", func(r *booking.Request) { r.Consent = false }, "consent"},
			{"no start", func(r *booking.Request) { r.Start = time.Time{} }, "start"},
			{"no service", func(r *booking.Request) { r.ServiceID = 0 }, "service_id"},
			{"unknown service", func(r *booking.Request) { r.ServiceID = 99999 }, "service_id"},
			{"unknown language", func(r *booking.Request) { r.Lang = "de" }, "lang"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := ok
				tc.edit(&r)
				_, err := w.store.Book(ctx, r)
				e := wantCode(t, err, okienko.EINVALID)
				if _, named := e.Fields[tc.field]; !named {
					t.Fatalf("errors %v do not name %s", e.Fields, tc.field)
				}
				if n := w.count(t, ""); n != 0 {
					t.Fatalf("%d bookings written", n)
				}
			})
		}
		var events int64
		db.Model(&event.Event{}).Where("type <> ?", office.EventCatalogChanged).Count(&events)
		if events != 0 {
			t.Fatalf("%d events written by refused bookings", events)
		}
	})
}

func TestLimitsPerPESEL(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWorld(t, db, func(s *office.ServiceSpec) { s.Capacity = 5 })
		ctx := context.Background()
		if _, err := w.store.Book(ctx, w.request(1, w.at(1, 9, 0))); err != nil {
			t.Fatal(err)
		}
		_, err := w.store.Book(ctx, w.request(1, w.at(1, 11, 0)))
		if e := wantCode(t, err, okienko.ECONFLICT); !strings.Contains(e.Message, "already has a booking for this matter") {
			t.Fatalf("same day: %q", e.Message)
		}
		for _, day := range []int{2, 3} {
			if _, err := w.store.Book(ctx, w.request(1, w.at(day, 9, 0))); err != nil {
				t.Fatal(err)
			}
		}
		_, err = w.store.Book(ctx, w.request(1, w.at(4, 9, 0)))
		if e := wantCode(t, err, okienko.ECONFLICT); !strings.Contains(e.Message, "3 upcoming bookings") {
			t.Fatalf("fourth booking: %q", e.Message)
		}
		// Another resident is not affected.
		if _, err := w.store.Book(ctx, w.request(2, w.at(4, 9, 0))); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCancel(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWorld(t, db, nil)
		ctx := context.Background()
		start := w.at(1, 9, 0)
		b, err := w.store.Book(ctx, w.request(1, start))
		if err != nil {
			t.Fatal(err)
		}
		// A wrong PESEL gets the very answer an unknown code gets.
		_, errWrong := w.store.CancelByCode(ctx, b.Code, pesel(2))
		_, errUnknown := w.store.CancelByCode(ctx, "ZZZZ-ZZZZ", pesel(1))
		if okienko.ErrorCode(errWrong) != okienko.ENOTFOUND || errWrong.Error() != errUnknown.Error() {
			t.Fatalf("wrong PESEL %v, unknown code %v: must be the same 404", errWrong, errUnknown)
		}
		got, err := w.store.CancelByCode(ctx, strings.ToLower(booking.FormatCode(b.Code)), pesel(1))
		if err != nil || got.Status != booking.StatusCancelled {
			t.Fatalf("cancel by code: %+v %v", got, err)
		}
		_, err = w.store.CancelByCode(ctx, b.Code, pesel(1))
		wantCode(t, err, okienko.ECONFLICT)
		// The seat is free again, for somebody else.
		if _, err := w.store.Book(ctx, w.request(3, start)); err != nil {
			t.Fatalf("seat after cancelling: %v", err)
		}

		// By PESEL, matter and day.
		b2, err := w.store.Book(ctx, w.request(4, w.at(2, 10, 0)))
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.store.CancelByDay(ctx, pesel(4), w.svc.ID, w.day(3))
		wantCode(t, err, okienko.ENOTFOUND)
		got, err = w.store.CancelByDay(ctx, pesel(4), w.svc.ID, w.day(2))
		if err != nil || got.ID != b2.ID || got.Status != booking.StatusCancelled {
			t.Fatalf("cancel by day: %+v %v", got, err)
		}

		// Only before the slot starts.
		b3, err := w.store.Book(ctx, w.request(5, w.at(1, 12, 0)))
		if err != nil {
			t.Fatal(err)
		}
		w.clock.Set(w.at(1, 12, 0))
		_, err = w.store.CancelByCode(ctx, b3.Code, pesel(5))
		if e := wantCode(t, err, okienko.ECONFLICT); !strings.Contains(e.Message, "begun") {
			t.Fatalf("cancel at the start: %q", e.Message)
		}
		evs, _ := event.Since(ctx, db, 0, booking.EventCancelled, 10)
		if len(evs) != 2 {
			t.Fatalf("%d cancellation events, want 2", len(evs))
		}
	})
}

func TestCheckInWindow(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWorld(t, db, nil)
		ctx := context.Background()
		b, err := w.store.Book(ctx, w.request(1, w.at(1, 10, 0)))
		if err != nil {
			t.Fatal(err)
		}
		w.clock.Set(w.at(1, 9, 29))
		_, err = w.store.CheckIn(ctx, b.Code)
		if e := wantCode(t, err, okienko.ECONFLICT); !strings.Contains(e.Message, "too early") || e.Fields["reason"] != "too_early" || e.Fields["opens_at"] != w.week.Date(1)+"T09:30:00"+w.week.Offset() {
			t.Fatalf("too early: %q %v", e.Message, e.Fields)
		}
		w.clock.Set(w.at(1, 9, 30))
		got, err := w.store.CheckIn(ctx, booking.FormatCode(b.Code))
		if err != nil || got.Status != booking.StatusCheckedIn {
			t.Fatalf("check in at the window's start: %+v %v", got, err)
		}
		_, err = w.store.CheckIn(ctx, b.Code)
		wantCode(t, err, okienko.ECONFLICT)

		late, err := w.store.Book(ctx, w.request(2, w.at(1, 11, 0)))
		if err != nil {
			t.Fatal(err)
		}
		w.clock.Set(w.at(1, 11, 10))
		if _, err := w.store.CheckIn(ctx, late.Code); err != nil {
			t.Fatalf("check in at start+grace: %v", err)
		}
		last, err := w.store.Book(ctx, w.request(3, w.at(1, 13, 0)))
		if err != nil {
			t.Fatal(err)
		}
		w.clock.Set(w.at(1, 13, 10).Add(time.Second))
		_, err = w.store.CheckIn(ctx, last.Code)
		if e := wantCode(t, err, okienko.ECONFLICT); !strings.Contains(e.Message, "too late") || e.Fields["reason"] != "too_late" || e.Fields["closed_at"] != w.week.Date(1)+"T13:10:00"+w.week.Offset() {
			t.Fatalf("too late: %q %v", e.Message, e.Fields)
		}
		_, err = w.store.CheckIn(ctx, "ZZZZZZZZ")
		wantCode(t, err, okienko.ENOTFOUND)
	})
}

// Late arrivals: with the clock moved, a booking not checked in by
// start+grace is cancelled_late, its seat free again, an event recorded.
func TestCancelLate(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWorld(t, db, nil)
		ctx := context.Background()
		start := w.at(1, 10, 0)
		late, err := w.store.Book(ctx, w.request(1, start))
		if err != nil {
			t.Fatal(err)
		}
		arrived, err := w.store.Book(ctx, w.request(2, w.at(1, 10, 15)))
		if err != nil {
			t.Fatal(err)
		}
		w.clock.Set(w.at(1, 10, 5))
		if _, err := w.store.CheckIn(ctx, arrived.Code); err != nil {
			t.Fatal(err)
		}
		w.clock.Set(start.Add(10*time.Minute - time.Second))
		if n, err := w.store.CancelLate(ctx); err != nil || n != 0 {
			t.Fatalf("before start+grace: %d cancelled, %v", n, err)
		}
		w.clock.Set(start.Add(10 * time.Minute))
		if n, err := w.store.CancelLate(ctx); err != nil || n != 1 {
			t.Fatalf("at start+grace: %d cancelled, %v", n, err)
		}
		got, _ := w.store.Get(ctx, late.Code)
		if got.Status != booking.StatusCancelledLate {
			t.Fatalf("status %s", got.Status)
		}
		if got, _ := w.store.Get(ctx, arrived.Code); got.Status != booking.StatusCheckedIn {
			t.Fatalf("the checked-in booking became %s", got.Status)
		}
		if n := w.count(t, "service_id = ? AND starts_at = ? AND status IN ?", w.svc.ID, start.UTC(), []string{booking.StatusBooked, booking.StatusCheckedIn}); n != 0 {
			t.Fatalf("the late booking still holds its seat")
		}
		evs, _ := event.Since(ctx, db, 0, booking.EventCancelledLate, 10)
		if len(evs) != 1 || evs[0].ObjectID != late.ID {
			t.Fatalf("late events %v", evs)
		}
		if n, _ := w.store.CancelLate(ctx); n != 0 {
			t.Fatalf("a second run cancelled %d more", n)
		}
	})
}

// Changing the slot length from 15 to 20 minutes with bookings in place loses
// no booking and never lets a slot go over capacity.
func TestSlotLengthChange(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWorld(t, db, nil)
		ctx := context.Background()
		tue := w.day(1)
		var booked []*booking.Booking
		for i, hm := range [][2]int{{9, 0}, {9, 15}, {10, 30}} {
			b, err := w.store.Book(ctx, w.request(i+1, w.at(1, hm[0], hm[1])))
			if err != nil {
				t.Fatal(err)
			}
			booked = append(booked, b)
		}
		if _, err := w.offices.UpdateService(ctx, w.svc.ID, func(s *office.ServiceSpec) error { s.SlotMinutes = 20; return nil }); err != nil {
			t.Fatal(err)
		}
		for _, b := range booked {
			got, err := w.store.Get(ctx, b.Code)
			if err != nil || got.Status != booking.StatusBooked || !got.StartsAt.Equal(b.StartsAt) || !got.EndsAt.Equal(b.EndsAt) {
				t.Fatalf("booking %s after the change: %+v %v", b.Code, got, err)
			}
		}
		slots, err := w.store.Slots(ctx, w.svc.ID, tue)
		if err != nil {
			t.Fatal(err)
		}
		free := map[string]int{}
		for _, sl := range slots {
			free[sl.Start.In(warsaw).Format("15:04")] = sl.Free
		}
		// New grid from 07:30 every 20 minutes: 08:50–09:10 touches 09:00–09:15;
		// 09:10–09:30 touches both; 10:30–10:50 touches 10:30–10:45.
		for hm, want := range map[string]int{"08:50": 0, "09:10": 0, "09:30": 1, "10:10": 1, "10:30": 0, "10:50": 1} {
			if free[hm] != want {
				t.Errorf("%s free = %d, want %d (all %v)", hm, free[hm], want, free)
			}
		}
		for _, hm := range [][2]int{{8, 50}, {9, 10}, {10, 30}} {
			_, err := w.store.Book(ctx, w.request(10+hm[1], w.at(1, hm[0], hm[1])))
			wantCode(t, err, okienko.ECONFLICT)
		}
		if _, err := w.store.Book(ctx, w.request(20, w.at(1, 9, 30))); err != nil {
			t.Fatalf("a free slot of the new grid: %v", err)
		}
		// No instant of the day holds more live bookings than the capacity.
		var overlaps int64
		db.Raw(`SELECT count(*) FROM bookings a JOIN bookings b ON a.id < b.id AND a.service_id = b.service_id
			AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
			WHERE a.status IN ('booked','checked_in') AND b.status IN ('booked','checked_in')`).Scan(&overlaps)
		if overlaps != 0 {
			t.Fatalf("%d overlapping pairs of live bookings on a capacity-1 service", overlaps)
		}
	})
}

func TestEraseAfterRetention(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWorld(t, db, nil)
		ctx := context.Background()
		old, err := w.store.Book(ctx, w.request(1, w.at(1, 9, 0)))
		if err != nil {
			t.Fatal(err)
		}
		recent, err := w.store.Book(ctx, w.request(2, w.at(8, 9, 0)))
		if err != nil {
			t.Fatal(err)
		}
		w.clock.Set(w.at(1, 9, 20))
		if _, err := w.store.CancelLate(ctx); err != nil {
			t.Fatal(err)
		}
		w.clock.Set(w.at(31, 9, 16)) // 30 days after the first visit ended
		n, err := w.store.Erase(ctx, 30*24*time.Hour)
		if err != nil || n != 1 {
			t.Fatalf("erased %d, %v; want 1", n, err)
		}
		var rows []map[string]any
		db.Table("bookings").Order("id").Find(&rows)
		if rows[0]["name"] != nil || rows[0]["email"] != nil || rows[0]["phone"] != nil || rows[0]["pesel_hmac"] != nil || rows[0]["erased_at"] == nil {
			t.Fatalf("old booking not erased: %v", rows[0])
		}
		if rows[0]["status"] != booking.StatusCancelledLate || rows[0]["service_id"] == nil {
			t.Fatalf("the anonymous record lost its facts: %v", rows[0])
		}
		if rows[1]["name"] == nil || rows[1]["pesel_hmac"] == nil {
			t.Fatalf("a booking inside the retention was erased: %v", rows[1])
		}
		if _, err := w.store.Get(ctx, old.Code); err != nil {
			t.Fatalf("the erased booking's record is gone: %v", err)
		}
		if got, err := w.store.Get(ctx, recent.Code); err != nil || got.Name == nil || *got.Name != "Zażółć Gęślą-Jaźń" {
			t.Fatalf("the kept booking lost its data: %+v %v", got, err)
		}
	})
}

// booking_load, kept by the seat path, always equals a recount of the live
// bookings, whatever happened to them.
func TestLoadMatchesBookings(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWorld(t, db, func(s *office.ServiceSpec) { s.Capacity = 3 })
		ctx := context.Background()
		var codes []string
		for i := 0; i < 12; i++ {
			b, err := w.store.Book(ctx, w.request(i, w.at(1, 9+i%3, 15*(i%4))))
			if err != nil {
				t.Fatal(err)
			}
			codes = append(codes, b.Code)
		}
		for _, i := range []int{0, 5, 7} {
			if _, err := w.store.CancelByCode(ctx, codes[i], pesel(i)); err != nil {
				t.Fatal(err)
			}
		}
		w.clock.Set(w.at(1, 10, 0)) // codes[1] is at 10:15
		if _, err := w.store.CheckIn(ctx, codes[1]); err != nil {
			t.Fatal(err)
		}
		w.clock.Set(w.at(1, 10, 30))
		if _, err := w.store.CancelLate(ctx); err != nil {
			t.Fatal(err)
		}
		type span struct {
			ServiceID        int64
			StartsAt, EndsAt time.Time
			N                int
		}
		read := func() map[string]int {
			var rows []span
			if err := db.Table("booking_load").Where("n > 0").Find(&rows).Error; err != nil {
				t.Fatal(err)
			}
			m := map[string]int{}
			for _, r := range rows {
				m[fmt.Sprint(r.ServiceID, r.StartsAt.UTC(), r.EndsAt.UTC())] = r.N
			}
			return m
		}
		kept := read()
		if _, err := w.store.RebuildLoad(ctx); err != nil {
			t.Fatal(err)
		}
		recounted := read()
		if fmt.Sprint(kept) != fmt.Sprint(recounted) || len(kept) == 0 {
			t.Fatalf("kept load %v, recount %v", kept, recounted)
		}
	})
}

// FuzzCalendar: for any day and range length, on both databases, Days and
// Slots answer at once: EINVALID naming the field, or the days asked for
// and the slots of a day that exists; never another error.
func FuzzCalendar(f *testing.F) {
	f.Add(9999, 12, 31, 0)
	f.Add(0, 1, 1, 0)
	f.Add(10000, 1, 1, 2)
	f.Add(2100, 12, 31, 0)
	f.Add(2026, 2, 30, 3)
	f.Add(2026, 11, 24, 61)
	f.Add(2026, 11, 24, 62)
	var worlds []*world
	for _, db := range databasetest.Both(f) {
		worlds = append(worlds, newWorld(f, db, nil))
	}
	f.Fuzz(func(t *testing.T, y, m, d, span int) {
		from := office.Date{Year: y, Month: time.Month(m), Day: d}
		to := from.AddDays(span % 100000)
		for _, w := range worlds {
			days, err := w.store.Days(context.Background(), w.svc.ID, from, to)
			if err != nil {
				if e := okienko.AsError(err); e.Code != okienko.EINVALID || len(e.Fields) == 0 {
					t.Fatalf("Days(%v, %v): %v, want EINVALID naming a field", from, to, err)
				}
			} else if len(days) == 0 || len(days) > booking.MaxDays || days[0].Date != from || days[len(days)-1].Date != to {
				t.Fatalf("Days(%v, %v): %d days", from, to, len(days))
			}
			slots, err := w.store.Slots(context.Background(), w.svc.ID, from)
			if err != nil {
				if e := okienko.AsError(err); e.Code != okienko.EINVALID || len(e.Fields) == 0 {
					t.Fatalf("Slots(%v): %v, want EINVALID naming a field", from, err)
				}
			} else if !from.InBounds() {
				t.Fatalf("Slots(%v) answered %d slots for a day out of bounds", from, len(slots))
			}
		}
	})
}

// One resident booking ten matters at once, with the limit of 3 upcoming
// bookings, gets exactly 3, on both databases, twenty times over: the limit
// counts every matter, and ten matters share no seat lock.
func TestRaceResidentAcrossMatters(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWorld(t, db, nil)
		ctx := context.Background()
		services := []int64{w.svc.ID}
		for i := 2; i <= 10; i++ {
			spec := office.DefaultServiceSpec()
			spec.DepartmentID, spec.Name = w.dep.ID, fmt.Sprintf("Sprawa %d", i)
			svc, err := w.offices.CreateService(ctx, spec)
			if err != nil {
				t.Fatal(err)
			}
			services = append(services, svc.ID)
		}
		if w.svc.MaxActivePerPESEL != 3 {
			t.Fatalf("the default limit is %d, this test wants 3", w.svc.MaxActivePerPESEL)
		}
		for run := range 20 {
			var wg sync.WaitGroup
			errs := make([]error, len(services))
			for i, id := range services {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := w.request(1000+run, w.at(1, 7, 30).Add(time.Duration(run)*15*time.Minute))
					r.ServiceID = id
					_, errs[i] = w.store.Book(ctx, r)
				}()
			}
			wg.Wait()
			won := 0
			for _, err := range errs {
				switch {
				case err == nil:
					won++
				case okienko.ErrorCode(err) != okienko.ECONFLICT:
					t.Fatalf("run %d: %v", run, err)
				}
			}
			if won != 3 {
				t.Fatalf("run %d: the resident got %d bookings at once, the limit is 3", run, won)
			}
		}
	})
}

// A booking keeps whether its PESEL came from the trusted profile.
func TestBookPESELVerified(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWorld(t, db, nil)
		ctx := context.Background()
		typed, err := w.store.Book(ctx, w.request(1, w.at(1, 9, 15)))
		if err != nil {
			t.Fatal(err)
		}
		r := w.request(2, w.at(1, 9, 30))
		r.PESELVerified = true
		verified, err := w.store.Book(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			code string
			want bool
		}{{typed.Code, false}, {verified.Code, true}} {
			got, err := w.store.Get(ctx, c.code)
			if err != nil || got.PESELVerified != c.want {
				t.Fatalf("booking %s: pesel_verified %v, want %v (%v)", c.code, got.PESELVerified, c.want, err)
			}
		}
	})
}

// OnCreated hears of each booking made, with the way it was made, and not
// of a refused one.
func TestOnCreated(t *testing.T) {
	db := databasetest.SQLite(t)
	w := newWorld(t, db, nil)
	ctx := context.Background()
	var heard []string
	w.store.OnCreated(func(via string) { heard = append(heard, via) })
	if _, err := w.store.Book(ctx, w.request(1, w.at(1, 9, 15))); err != nil {
		t.Fatal(err)
	}
	r := w.request(2, w.at(1, 9, 30))
	r.ForCaller = true
	if _, err := w.store.Book(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.Book(ctx, w.request(1, w.at(1, 9, 15))); err == nil {
		t.Fatal("the same PESEL booked the same matter twice on one day")
	}
	if strings.Join(heard, ",") != booking.ViaResident+","+booking.ViaStaff {
		t.Fatalf("heard %v", heard)
	}
}
