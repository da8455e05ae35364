package web_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
)

// matterLanguages are the page languages the matters and counters tests
// run in; they find elements by id and role, so a language is added by a
// line here (and its plural texts in cancelBookingsButton).
var matterLanguages = []string{"pl", "en", "uk"}

// cancelBookingsButton is the confirmation button of a delete that cancels
// n bookings, in lang: the CLDR plural forms (Polish one/few/many).
var cancelBookingsButton = map[string]map[int]string{
	"pl": {1: "Odwołaj 1 rezerwację i usuń", 2: "Odwołaj 2 rezerwacje i usuń", 5: "Odwołaj 5 rezerwacji i usuń"},
	"en": {1: "Cancel 1 booking and delete", 2: "Cancel 2 bookings and delete", 5: "Cancel 5 bookings and delete"},
	"uk": {1: "Скасувати 1 запис і видалити", 2: "Скасувати 2 записи і видалити", 5: "Скасувати 5 записів і видалити"},
}

// rowButton is a script clicking the button of class cls in the row of the
// table in list whose first cell is name.
func rowButton(list, name, cls string) string {
	return fmt.Sprintf(`[...document.querySelectorAll('#%s tbody tr')].find(r => r.cells[0].textContent === %s).querySelector('button.%s')`, list, jsString(name), cls)
}

// The administrator creates a matter in the panel: saved without its
// Polish name it is refused at the name field and nothing is stored; named,
// it is created in the department chosen with the slot length typed and the
// defaults of the rest, and listed.
func TestBrowserAdminCreatesMatter(t *testing.T) {
	for _, lang := range matterLanguages {
		t.Run(lang, func(t *testing.T) {
			databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
				e := newEnv(t, db)
				deps, err := e.offices.Departments(t.Context(), false)
				if err != nil || len(deps) < 2 {
					t.Fatalf("departments: %v", err)
				}
				dep := deps[1]
				count := func() (n int64) {
					db.Table("services").Count(&n)
					return n
				}
				before := count()
				p := adminSignInAt(t, e, lang, "#sprawy", desktop.width, desktop.height)
				p.waitFor("the matters", `!document.getElementById('sec-services').hidden && document.querySelectorAll('#services-list tbody tr').length > 0`)
				p.do(chromedp.Click(chromedp.CSS("#service-new")))
				p.waitFor("the new matter form", `document.getElementById('service-form') !== null && document.activeElement.tagName === 'H3'`)
				if got := p.text(`document.getElementById('service-slot').value + '/' + document.querySelector('#service-form [name=capacity]').value`); got != "15/1" {
					t.Fatalf("the form starts with slot/capacity %s, want the defaults 15/1", got)
				}
				p.axeAt("/admin#sprawy new matter ("+lang+")", desktop)

				p.do(chromedp.Click(chromedp.CSS(`#service-form button[type=submit]`)))
				p.waitFor("the name refused at its field", `document.getElementById('service-name').getAttribute('aria-invalid') === 'true' && document.getElementById('service-name').closest('.field').querySelector('.field-error') !== null && document.activeElement.id === 'service-name'`)
				if n := count(); n != before {
					t.Fatalf("%d matters after a refused one, want %d", n, before)
				}
				p.axeAt("/admin#sprawy new matter refused ("+lang+")", desktop)

				p.do(
					chromedp.SetValue(chromedp.CSS("#service-department"), itoa(dep.ID)),
					chromedp.SendKeys(chromedp.CSS("#service-name"), "Zgłoszenie imprezy plenerowej"),
					chromedp.SetValue(chromedp.CSS("#service-slot"), "20"),
					chromedp.Click(chromedp.CSS(`#service-form button[type=submit]`)),
				)
				p.waitFor("the matter listed", `document.getElementById('service-form') === null && [...document.querySelectorAll('#services-list tbody tr')].some(r => r.cells[0].textContent === 'Zgłoszenie imprezy plenerowej')`)
				var got struct {
					DepartmentID, SlotMinutes, Capacity, BookingDaysAhead int64
				}
				if err := db.Table("services").Select("department_id, slot_minutes, capacity, booking_days_ahead").Where("name = ?", "Zgłoszenie imprezy plenerowej").Take(&got).Error; err != nil {
					t.Fatal(err)
				}
				if got.DepartmentID != dep.ID || got.SlotMinutes != 20 || got.Capacity != 1 || got.BookingDaysAhead != 30 {
					t.Fatalf("stored %+v", got)
				}
			})
		})
	}
}

// The administrator deletes matters with bookings to come: the panel asks,
// then says how many bookings will be cancelled (1, 2 and 5 in their plural
// forms); declined, nothing changes; confirmed, the bookings are cancelled,
// each resident is sent a notice, and the matter leaves the list.
func TestBrowserAdminDeletesMatterWithBookings(t *testing.T) {
	for _, lang := range matterLanguages {
		t.Run(lang, func(t *testing.T) {
			databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
				e := newEnv(t, db)
				admin := bearer(e.adminToken())
				deps, err := e.offices.Departments(t.Context(), false)
				if err != nil {
					t.Fatal(err)
				}
				one := e.newMatter(admin, deps[0].ID, "Sprawa z jedną rezerwacją")
				many := e.newMatter(admin, deps[0].ID, "Sprawa z wieloma rezerwacjami")
				e.bookMatter(1, one.ID, 1, 9)
				for i := 0; i < 2; i++ {
					e.bookMatter(10+i, many.ID, 1, 9+i)
				}
				status := func(id int64) (booked, cancelled, notices int64) {
					db.Table("bookings").Where("service_id = ? AND status = ?", id, booking.StatusBooked).Count(&booked)
					db.Table("bookings").Where("service_id = ? AND status = ? AND cancel_reason = ?", id, booking.StatusCancelled, booking.ReasonWithdrawn).Count(&cancelled)
					db.Table("outbox").Where("kind = ? AND booking_id IN (SELECT id FROM bookings WHERE service_id = ?)", "cancellation", id).Count(&notices)
					return
				}

				p := adminSignInAt(t, e, lang, "#sprawy", desktop.width, desktop.height)
				ask := func(name string, n int) {
					t.Helper()
					p.waitFor("the matters", `document.querySelectorAll('#services-list tbody tr').length > 0`)
					p.do(chromedp.Evaluate[chromedp.Void](rowButton("services-list", name, "delete-service") + `.click()`))
					p.waitFor("the first question", `document.getElementById('confirm-dialog').open && document.activeElement.id === 'confirm-no'`)
					p.do(chromedp.Click(chromedp.CSS("#confirm-yes")))
					want := cancelBookingsButton[lang][n]
					p.waitFor(fmt.Sprintf("the question about %d bookings", n), `document.getElementById('confirm-dialog').open && document.getElementById('confirm-yes').textContent === `+jsString(want))
					if text := p.text(`document.getElementById('confirm-text').textContent`); !containsNumber(text, n) {
						t.Fatalf("the question %q does not say %d", text, n)
					}
				}

				ask(many.Name, 2)
				p.axeAt("/admin#sprawy delete with bookings ("+lang+")", desktop)
				p.do(chromedp.Click(chromedp.CSS("#confirm-no")))
				p.waitFor("the dialog closed", `!document.getElementById('confirm-dialog').open`)
				if booked, cancelled, notices := status(many.ID); booked != 2 || cancelled != 0 || notices != 0 {
					t.Fatalf("declined: booked %d cancelled %d notices %d", booked, cancelled, notices)
				}
				for i := 2; i < 5; i++ {
					e.bookMatter(10+i, many.ID, 1, 9+i)
				}
				ask(many.Name, 5)
				p.do(chromedp.Click(chromedp.CSS("#confirm-yes")))
				p.waitFor("the matter gone", `!document.getElementById('confirm-dialog').open && ![...document.querySelectorAll('#services-list tbody tr')].some(r => r.cells[0].textContent === `+jsString(many.Name)+`)`)
				if booked, cancelled, notices := status(many.ID); booked != 0 || cancelled != 5 || notices < 5 {
					t.Fatalf("confirmed: booked %d cancelled %d notices %d", booked, cancelled, notices)
				}

				ask(one.Name, 1)
				p.do(chromedp.Click(chromedp.CSS("#confirm-yes")))
				p.waitFor("the second matter gone", `!document.getElementById('confirm-dialog').open && ![...document.querySelectorAll('#services-list tbody tr')].some(r => r.cells[0].textContent === `+jsString(one.Name)+`)`)
				if booked, cancelled, notices := status(one.ID); booked != 0 || cancelled != 1 || notices < 1 {
					t.Fatalf("confirmed: booked %d cancelled %d notices %d", booked, cancelled, notices)
				}
				if e.catalogHas(one.ID) || e.catalogHas(many.ID) {
					t.Fatal("a withdrawn matter is still in the catalog")
				}
				p.axeAt("/admin#sprawy after deleting ("+lang+")", desktop)
			})
		})
	}
}

// containsNumber reports whether text says n as a number of its own.
func containsNumber(text string, n int) bool {
	return regexp.MustCompile(`(^|\D)` + fmt.Sprint(n) + `(\D|$)`).MatchString(text)
}

// The administrator makes Stanowisko 1 serve a second department: its
// matters appear as the department is ticked, one is chosen, and the counter
// is stored with both departments; the list names both, and the clerk
// choosing that counter sees the matters of both.
func TestBrowserAdminCounterOfTwoDepartments(t *testing.T) {
	for _, lang := range matterLanguages {
		t.Run(lang, func(t *testing.T) {
			databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
				e := newEnv(t, db)
				deps, err := e.offices.Departments(t.Context(), true)
				if err != nil || len(deps) < 2 {
					t.Fatalf("departments: %v", err)
				}
				depA, depB := deps[0], deps[1]
				svcB := depB.Services[0]
				c := e.counterOf("Stanowisko 1")
				p := adminSignInAt(t, e, lang, "#stanowiska", desktop.width, desktop.height)
				p.waitFor("the counters", `!document.getElementById('sec-counters').hidden && document.querySelectorAll('#counters-list tbody tr').length > 0`)
				p.do(chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('#counters-list tbody tr')].find(r => r.cells[0].textContent === 'Stanowisko 1').querySelector('button').click()`))
				p.waitFor("the counter form", `document.getElementById('counter-form') !== null`)
				depBox := fmt.Sprintf("#counter-dep-%d", depB.ID)
				if !run(t, p.ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.getElementById('counter-dep-%d').checked && !document.querySelector(%s).checked && document.getElementById('counter-svc-%d') === null`, depA.ID, jsString(depBox), svcB.ID))) {
					t.Fatal("the form does not start with the counter's one department")
				}
				p.do(chromedp.Click(chromedp.CSS(depBox)))
				p.waitFor("the second department's matters", fmt.Sprintf(`document.getElementById('counter-svc-%d') !== null && !document.getElementById('counter-svc-%d').checked`, svcB.ID, svcB.ID))
				p.axeAt("/admin#stanowiska two departments ("+lang+")", desktop)
				p.do(chromedp.Click(chromedp.CSS(fmt.Sprintf("#counter-svc-%d", svcB.ID))), chromedp.Click(chromedp.CSS(`#counter-form button[type=submit]`)))
				p.waitFor("saved", `document.getElementById('counter-form') === null && [...document.querySelectorAll('#counters-list tbody tr')].some(r => r.cells[0].textContent === 'Stanowisko 1' && r.cells[1].textContent.includes(`+jsString(depB.Name)+`))`)
				got := e.counterOf("Stanowisko 1")
				if len(got.DepartmentIDs) != 2 || got.DepartmentID != depA.ID || !slices.Contains(got.ServiceIDs, svcB.ID) || len(got.ServiceIDs) != len(c.ServiceIDs)+1 {
					t.Fatalf("stored %+v", got.CounterSpec)
				}
				row := p.text(`[...document.querySelectorAll('#counters-list tbody tr')].find(r => r.cells[0].textContent === 'Stanowisko 1').cells[1].textContent`)
				if !containsAll(row, depA.Name, depB.Name) {
					t.Fatalf("the list says %q", row)
				}

				// Unticking every department is refused at the departments.
				p.do(chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('#counters-list tbody tr')].find(r => r.cells[0].textContent === 'Stanowisko 1').querySelector('button').click()`))
				p.waitFor("the counter form again", `document.getElementById('counter-form') !== null`)
				p.do(chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('#counter-departments input:checked').forEach(i => i.click())`),
					chromedp.Click(chromedp.CSS(`#counter-form button[type=submit]`)))
				p.waitFor("no department refused", `document.querySelector('#counter-departments .field-error') !== null`)
				p.axeAt("/admin#stanowiska no department ("+lang+")", desktop)

				// The clerk's page (the administrator's session serves there too):
				// choosing the counter offers the matters of both departments.
				base := p.text(`location.origin`)
				p.do(chromedp.Navigate(base + "/clerk?lang=" + lang))
				p.waitFor("the counters", fmt.Sprintf(`document.getElementById('counter-%d') !== null`, c.ID))
				p.do(chromedp.Click(chromedp.CSS(fmt.Sprintf("#counter-%d", c.ID))))
				p.waitFor("the matters of both departments", fmt.Sprintf(`document.getElementById('service-%d') !== null && document.getElementById('service-%d') !== null`, svcB.ID, c.ServiceIDs[0]))
				label := p.text(fmt.Sprintf(`document.querySelector('label[for=service-%d]').textContent`, svcB.ID))
				if !containsAll(label, svcB.Name, depB.Name) {
					t.Fatalf("the matter is labelled %q", label)
				}
				counterLabel := p.text(fmt.Sprintf(`document.querySelector('label[for=counter-%d]').textContent`, c.ID))
				if !containsAll(counterLabel, depA.Name, depB.Name) {
					t.Fatalf("the counter is labelled %q", counterLabel)
				}
				p.axeAt("/clerk counter of two departments ("+lang+")", desktop)
			})
		})
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if p == "" || !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
