package notify

import (
	"context"
	"strings"
	"testing"

	ics "github.com/arran4/golang-ical"
	"gorm.io/gorm"

	"github.com/okienko/okienko/booking/calendartest"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/office"
)

// The confirmation e-mail, its SMS and its .ics name the matter and the
// department in the language the resident booked in, as the office wrote
// them; where it wrote none (the department in Ukrainian here), in Polish.
func TestMessagesNameTheMatterInTheResidentsLanguage(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		f.sms = SMSLimits{Parts: 3, Unicode: true}
		ctx := context.Background()
		if _, err := f.offices.UpdateService(ctx, f.svc.ID, func(s *office.ServiceSpec) error {
			s.NameEN, s.NameUK = "ID card application", "Заява на посвідчення особи"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.offices.UpdateDepartment(ctx, f.svc.DepartmentID, func(s *office.DepartmentSpec) error {
			s.NameEN = "ID cards"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for i, c := range []struct{ lang, matter, department string }{
			{"pl", "Wniosek o dowód osobisty", "Dowody osobiste"},
			{"en", "ID card application", "ID cards"},
			{"uk", "Заява на посвідчення особи", "Dowody osobiste"},
		} {
			f.bookAt(t, c.lang, "600100200", f.week.At(1, 9+i, 0), pesels[i])
			email, sms := sentByKind(t, f)
			m, text := email[outbox.Confirmation], sms[outbox.Confirmation]
			if m == nil || text == nil {
				t.Fatalf("%s: no confirmation sent: %v %v", c.lang, email, sms)
			}
			for _, part := range []string{m.Text, m.HTML} {
				if !strings.Contains(part, c.matter) || !strings.Contains(part, c.department) {
					t.Errorf("%s: the e-mail lacks %q or %q:\n%s", c.lang, c.matter, c.department, part)
				}
			}
			if c.lang != "pl" && strings.Contains(m.Text, "Wniosek o dowód osobisty") {
				t.Errorf("%s: the e-mail still names the matter in Polish:\n%s", c.lang, m.Text)
			}
			if !strings.Contains(text.Text, c.matter) {
				t.Errorf("%s: the SMS lacks %q: %q", c.lang, c.matter, text.Text)
			}
			_, _, ev := calendarOf(t, m)
			if s := calendartest.Value(ev, ics.ComponentPropertySummary); !strings.HasSuffix(s, ": "+c.matter) {
				t.Errorf("%s: the .ics SUMMARY is %q", c.lang, s)
			}
			if d := calendartest.Value(ev, ics.ComponentPropertyDescription); !strings.Contains(d, c.department) {
				t.Errorf("%s: the .ics DESCRIPTION lacks %q: %q", c.lang, c.department, d)
			}
		}
	})
}
