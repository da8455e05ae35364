package office_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
)

func TestDateJSON(t *testing.T) {
	for _, d := range []office.Date{date(2026, 3, 29), date(2024, 2, 29), date(1999, 12, 31), {}} {
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var back office.Date
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("unmarshal %s: %v", b, err)
		}
		if back != d {
			t.Errorf("%v → %s → %v", d, b, back)
		}
	}
	if b, _ := json.Marshal(date(2026, 1, 2)); string(b) != `"2026-01-02"` {
		t.Errorf("Marshal = %s", b)
	}
	if b, _ := json.Marshal(office.Date{}); string(b) != "null" {
		t.Errorf("zero Date marshals as %s, want null", b)
	}
	for _, bad := range []string{`"2026-02-30"`, `"2026-1-2"`, `"02.01.2026"`, `20260102`, `""`} {
		var d office.Date
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("Unmarshal(%s) = %v, want an error", bad, d)
		}
	}
}

func TestDateScan(t *testing.T) {
	want := date(2026, 10, 25)
	for _, src := range []any{"2026-10-25", []byte("2026-10-25"), "2026-10-25T00:00:00Z", time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC)} {
		var d office.Date
		if err := d.Scan(src); err != nil || d != want {
			t.Errorf("Scan(%#v) = %v, %v", src, d, err)
		}
	}
	var d office.Date = want
	if err := d.Scan(nil); err != nil || !d.IsZero() {
		t.Errorf("Scan(nil) = %v, %v", d, err)
	}
	if err := d.Scan(42); err == nil {
		t.Error("Scan(42) succeeded")
	}
	v, err := want.Value()
	if err != nil || v != "2026-10-25" {
		t.Errorf("Value = %v, %v", v, err)
	}
	if v, _ := (office.Date{}).Value(); v != nil {
		t.Errorf("zero Date Value = %v, want NULL", v)
	}
}

func TestWeekHoursJSONAndScan(t *testing.T) {
	h := office.DemoHours()
	h.Sat = nil // a closed day left out writes as []
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"mon":[["08:00","16:00"]],"tue":[["07:30","15:30"]],"wed":[["07:30","15:30"]],"thu":[["07:30","15:30"]],"fri":[["07:30","15:30"]],"sat":[],"sun":[]}`
	if string(b) != want {
		t.Fatalf("Marshal = %s, want %s", b, want)
	}
	var back office.WeekHours
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, office.DemoHours()) {
		t.Fatalf("round trip = %+v", back)
	}
	v, err := h.Value()
	if err != nil {
		t.Fatal(err)
	}
	var scanned office.WeekHours
	for _, src := range []any{v, []byte(v.(string))} {
		scanned = office.WeekHours{Sun: [][]string{{"01:00", "02:00"}}} // Scan replaces, doesn't merge
		if err := scanned.Scan(src); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(scanned, office.DemoHours()) {
			t.Fatalf("Scan(%T) = %+v", src, scanned)
		}
	}
	if err := scanned.Scan(nil); err != nil || !reflect.DeepEqual(scanned, office.WeekHours{}) {
		t.Fatalf("Scan(nil) = %+v, %v", scanned, err)
	}
	if err := scanned.Scan(3.5); err == nil {
		t.Fatal("Scan(float) succeeded")
	}
}

// Dates and hours survive the database: DATE on PostgreSQL, TEXT on SQLite.
func TestDatabaseRoundTrip(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		hours := office.WeekHours{Mon: [][]string{{"08:00", "12:00"}, {"13:00", "24:00"}}, Sun: [][]string{{"00:00", "24:00"}}}
		d, err := f.store.CreateDepartment(f.ctx, office.DepartmentSpec{Name: "H", TicketPrefix: "H", Hours: hours})
		// Closed days left out read back as empty lists.
		hours.Tue, hours.Wed, hours.Thu, hours.Fri, hours.Sat = [][]string{}, [][]string{}, [][]string{}, [][]string{}, [][]string{}
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.store.Department(f.ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Hours, hours) || !reflect.DeepEqual(got.Hours, d.Hours) {
			t.Fatalf("hours read back %#v, want %#v as created", got.Hours, d.Hours)
		}
		c, err := f.store.CreateClosure(f.ctx, office.ClosureSpec{StartsOn: date(2024, 2, 29), EndsOn: date(2024, 3, 31)})
		if err != nil {
			t.Fatal(err)
		}
		var days struct{ StartsOn, EndsOn office.Date }
		if err := db.Raw("SELECT starts_on, ends_on FROM closures WHERE id = ?", c.ID).Scan(&days).Error; err != nil {
			t.Fatal(err)
		}
		if days.StartsOn != date(2024, 2, 29) || days.EndsOn != date(2024, 3, 31) {
			t.Fatalf("dates read back %+v", days)
		}
	})
}

// Dates compare as days, not as text: "10000-01-01" comes after
// "9999-12-31", and every order agrees with time's.
func TestDateCompare(t *testing.T) {
	if !date(10000, 1, 1).After(date(9999, 12, 31)) || !date(9999, 12, 31).Before(date(10000, 1, 1)) {
		t.Fatal("10000-01-01 is not after 9999-12-31")
	}
	if date(2026, 11, 23).Compare(date(2026, 11, 23)) != 0 || !date(2026, 2, 1).After(date(2026, 1, 31)) {
		t.Fatal("same day or month order wrong")
	}
	for _, c := range []struct {
		d      office.Date
		bounds bool
	}{
		{date(2000, 1, 1), true}, {date(2100, 12, 31), true}, {date(1999, 12, 31), false}, {date(2101, 1, 1), false},
		{date(0, 1, 1), false}, {date(9999, 12, 31), false}, {date(2026, 2, 29), false}, {date(2026, 13, 1), false},
		{date(2024, 2, 29), true}, {office.Date{}, false},
	} {
		if c.d.InBounds() != c.bounds {
			t.Errorf("%v.InBounds() = %v", c.d, !c.bounds)
		}
	}
}

// ReadDate takes exactly the days of 2000–2100 written YYYY-MM-DD, and
// says which rule a refused one broke.
func TestReadDate(t *testing.T) {
	for in, want := range map[string]string{
		"2026-11-23": "", "2000-01-01": "", "2100-12-31": "",
		"1999-12-31": office.BoundsMessage, "2101-01-01": office.BoundsMessage, "0000-01-01": office.BoundsMessage, "9999-12-31": office.BoundsMessage,
		"2026-02-30": "must be a date of the form YYYY-MM-DD", "10000-01-01": "must be a date of the form YYYY-MM-DD",
		"23.11.2026": "must be a date of the form YYYY-MM-DD", "": "must be a date of the form YYYY-MM-DD", "2026-11-23T10:00": "must be a date of the form YYYY-MM-DD",
	} {
		d, err := office.ReadDate(in)
		switch {
		case want == "" && (err != nil || d.String() != in):
			t.Errorf("ReadDate(%q) = %v, %v", in, d, err)
		case want != "" && (err == nil || err.Error() != want):
			t.Errorf("ReadDate(%q) = %v, %v; want %q", in, d, err, want)
		}
	}
}

// FuzzReadDate: whatever the text, ReadDate never panics, and what it
// takes lies within the bounds and writes back as the same text.
func FuzzReadDate(f *testing.F) {
	for _, s := range []string{"2026-11-23", "9999-12-31", "0000-01-01", "2100-12-31", "2000-01-01", "2024-02-29", "2026-02-29", "-001-01-01", "+2026-01-01", "2026-1-1", "２０２６-11-23"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := office.ReadDate(s)
		if err != nil {
			return
		}
		if !d.InBounds() || d.String() != s {
			t.Fatalf("ReadDate(%q) = %v: out of bounds or written otherwise", s, d)
		}
	})
}

// FuzzDateOrder: for any two days of years 1 to 99999 and any step, Compare
// and AddDays agree with time.Time's order and arithmetic.
func FuzzDateOrder(f *testing.F) {
	f.Add(9999, 12, 31, 10000, 1, 1, 1)
	f.Add(2026, 11, 23, 2026, 11, 23, -30)
	f.Add(1, 1, 1, 99999, 12, 31, 1<<20)
	f.Fuzz(func(t *testing.T, y1, m1, d1, y2, m2, d2, n int) {
		a, b := realDay(y1, m1, d1), realDay(y2, m2, d2)
		ta, tb := a.In(time.UTC, 0), b.In(time.UTC, 0)
		if got, want := a.Compare(b), ta.Compare(tb); got != want {
			t.Fatalf("%v.Compare(%v) = %d, want %d", a, b, got, want)
		}
		n %= 1 << 22
		if moved := a.AddDays(n); moved.Compare(a) != cmpInt(n, 0) || (moved.In(time.UTC, 0).Unix()-ta.Unix())/(24*3600) != int64(n) {
			t.Fatalf("%v.AddDays(%d) = %v", a, n, moved)
		}
	})
}

// realDay folds fuzzed numbers into a real day of years 1 to 99999.
func realDay(y, m, d int) office.Date {
	y = 1 + abs(y)%99999
	return office.DateOf(time.Date(y, time.Month(1+abs(m)%12), 1+abs(d)%28, 0, 0, 0, 0, time.UTC))
}

func abs(n int) int {
	if n < 0 {
		if n == -n { // the smallest int
			return 0
		}
		return -n
	}
	return n
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// LoadZone answers the zone time.LoadLocation does, the same one each time
// it is asked, and an error for a name that is no zone.
func TestLoadZone(t *testing.T) {
	a, err := office.LoadZone("Europe/Warsaw")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := office.LoadZone("Europe/Warsaw")
	if a != b || a.String() != "Europe/Warsaw" {
		t.Fatalf("LoadZone: %p %v then %p", a, a, b)
	}
	at := time.Date(2031, 7, 1, 12, 0, 0, 0, time.UTC).In(a)
	if _, off := at.Zone(); off != 2*3600 {
		t.Fatalf("Warsaw in July at UTC%+d", off/3600)
	}
	for range 2 {
		if loc, err := office.LoadZone("Europe/Nowhere"); err == nil {
			t.Fatalf("LoadZone(Europe/Nowhere) = %v, want an error", loc)
		}
	}
}
