package notify

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/officetest"
)

// fixture is an office with one service and a clock at 08:00 in Warsaw on
// the test week's Monday (officetest.Anchor).
type fixture struct {
	week     officetest.Week
	db       *gorm.DB
	clock    *okienko.ManualClock
	offices  *office.Store
	bookings *booking.Store
	svc      *office.Service
	sms      SMSLimits // of the composer
}

func newFixture(t *testing.T, db *gorm.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	w := officetest.Anchor(t)
	clock := okienko.NewManualClock(w.At(0, 8, 0))
	offices := office.NewStore(db, clock)
	if err := offices.CreateOffice(ctx, &office.Office{Name: "Urząd Testowy", TimeZone: "Europe/Warsaw", Address: "ul. Długa 1"}); err != nil {
		t.Fatal(err)
	}
	spec := office.DefaultDepartmentSpec()
	spec.Name, spec.TicketPrefix = "Dowody osobiste", "D"
	dep, err := offices.CreateDepartment(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	ss := office.DefaultServiceSpec()
	ss.DepartmentID, ss.Name = dep.ID, "Wniosek o dowód osobisty"
	svc, err := offices.CreateService(ctx, ss)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{week: w, db: db, clock: clock, offices: offices, bookings: booking.NewStore(db, clock, offices, "test-secret"), svc: svc}
}

// book books the test week's Tuesday at 10:00 in Warsaw.
func (f *fixture) book(t *testing.T, lang, phone string) *booking.Booking {
	t.Helper()
	b, err := f.bookings.Book(context.Background(), booking.Request{
		ServiceID: f.svc.ID, Start: f.week.At(1, 10, 0), Name: "Zażółć Gęślą",
		PESEL: "44051401359", Email: "jan.kowalski@example.pl", Phone: phone, Consent: true, Lang: lang,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// worker is the fixture's outbox worker; it allows internal webhook
// addresses, as the test receivers listen on 127.0.0.1.
func (f *fixture) worker(email, sms Sender) *Worker {
	return &Worker{DB: f.db, Clock: f.clock, Email: email, SMS: sms, Host: "urzad.example", AllowPrivate: true,
		Compose: &Messages{DB: f.db, Clock: f.clock, Offices: f.offices, BaseURL: "https://urzad.example", Bookings: f.bookings, SMS: f.sms}}
}

func messages(t *testing.T, db *gorm.DB) []outbox.Message {
	t.Helper()
	var out []outbox.Message
	if err := db.Order("id").Find(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

// recorder is a Sender that remembers what it was given.
type recorder struct {
	mu    sync.Mutex
	sent  []*Outgoing
	byKey map[string]int
	fail  func(m *Outgoing) error
}

func (r *recorder) Send(ctx context.Context, m *Outgoing) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		if err := r.fail(m); err != nil {
			return err
		}
	}
	if r.byKey == nil {
		r.byKey = map[string]int{}
	}
	r.sent = append(r.sent, m)
	r.byKey[m.Key]++
	return nil
}

// plain composes any message as a short text to a fixed address.
type plain struct{}

func (plain) Compose(ctx context.Context, m *outbox.Message) (*Outgoing, error) {
	return &Outgoing{To: "someone@example.pl", Subject: "s", Text: fmt.Sprint("message ", m.ID)}, nil
}
