package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/web"
	"github.com/okienko/okienko/web/browsertest"
)

// siteBrowser drives the booking site in Chromium.
type siteBrowser struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func (e *env) siteBrowser(t *testing.T, width int) *siteBrowser {
	base := e.listen()
	return &siteBrowser{t: t, ctx: browsertest.New(t, width, 900), base: base}
}

// open loads path and fails unless it answers status.
func (b *siteBrowser) open(path string, status int64) {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Navigate(b.base+path))
	if err != nil {
		b.t.Fatalf("open %s: %v", path, err)
	}
	if resp.Status != status {
		b.t.Fatalf("open %s: status %d, want %d", path, resp.Status, status)
	}
}

// navigate runs actions that load a new page and waits for it; it fails
// unless the page answers status.
func (b *siteBrowser) navigate(what string, status int64, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, actions...)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	if resp.Status != status {
		b.t.Fatalf("%s: status %d, want %d (%s)", what, resp.Status, status, resp.URL)
	}
}

// enter presses Enter on the focused element, which loads a page.
func (b *siteBrowser) enter(what string, status int64) {
	b.t.Helper()
	b.navigate(what, status, chromedp.KeyEvent(kb.Enter))
}

func (b *siteBrowser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatal(err)
	}
}

func (b *siteBrowser) text(js string) string {
	b.t.Helper()
	return run(b.t, b.ctx, chromedp.Evaluate[string](js))
}

func (b *siteBrowser) is(js string) bool {
	b.t.Helper()
	return run(b.t, b.ctx, chromedp.Evaluate[bool](js))
}

// tabTo presses Tab until the focused element satisfies the JavaScript
// condition on el (document.activeElement), failing after 80 presses.
func (b *siteBrowser) tabTo(what, cond string) {
	b.t.Helper()
	js := `(el => !!el && (` + cond + `))(document.activeElement)`
	for i := 0; i < 80; i++ {
		if b.is(js) {
			return
		}
		b.do(chromedp.KeyEvent(kb.Tab))
	}
	b.t.Fatalf("Tab never reached %s; the focus is on %s", what, b.text(`document.activeElement.outerHTML.slice(0, 200)`))
}

// press presses keys on the focused element (typing text or special keys).
func (b *siteBrowser) press(keys string) {
	b.t.Helper()
	b.do(chromedp.KeyEvent(keys))
}

// A resident books a visit with the keyboard alone: from the list of
// matters to the matter, its calendar, a day, a time chosen with the arrow
// keys, the form filled by typing and the consent ticked with Space, to the
// confirmation, whose code is the booking's in the database.
func TestSiteBrowserBookByKeyboard(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		deps, err := e.offices.Departments(context.Background(), true)
		if err != nil {
			t.Fatal(err)
		}
		svc := deps[1].Services[0]
		matter := "/sprawy/" + strconv.FormatInt(svc.ID, 10)
		b := e.siteBrowser(t, 1280)

		b.open("/", 200)
		b.tabTo("the skip link", `el.classList.contains('skip')`)
		b.press(kb.Enter)
		if !b.is(`document.activeElement.id === 'main'`) {
			t.Errorf("the skip link does not move the focus to the content")
		}
		b.tabTo("the matter's link", `el.getAttribute('href') === '`+matter+`'`)
		b.enter("the matter's page", 200)
		if h1 := b.text(`document.querySelector('h1').textContent`); h1 != svc.Name {
			t.Fatalf("matter page heading %q", h1)
		}
		b.tabTo("the booking link", `el.id === 'book-link'`)
		b.enter("the calendar", 200)
		b.tabTo("the test week's Tuesday", `el.getAttribute('href') === '`+matter+`/termin/`+e.week.Date(1)+`'`)
		b.enter("the day's times", 200)

		// No time is chosen for the resident; Tab reaches the first, the
		// arrow key moves to the next and chooses it.
		if b.is(`!!document.querySelector('input[name=start]:checked')`) {
			t.Fatal("a time is chosen before the resident chose one")
		}
		b.tabTo("the times", `el.name === 'start' && el.type === 'radio'`)
		first := b.text(`document.activeElement.value`)
		b.press(kb.ArrowRight)
		b.press(" ")
		chosen := b.text(`document.querySelector('input[name=start]:checked').value`)
		if chosen == first || b.text(`document.activeElement.value`) != chosen {
			t.Fatalf("the arrow key chose %q after %q", chosen, first)
		}
		b.tabTo("the Next button", `el.id === 'choose-time'`)
		b.enter("the form", 200)

		b.tabTo("the name", `el.id === 'name'`)
		b.press("Zofia Łęcka-Nowak")
		b.tabTo("the PESEL", `el.id === 'pesel'`)
		b.press(validPESEL)
		b.tabTo("the e-mail", `el.id === 'email'`)
		b.press("zofia@example.pl")
		b.tabTo("the consent", `el.id === 'consent'`)
		b.press(" ")
		if !b.is(`document.getElementById('consent').checked`) {
			t.Fatal("Space did not tick the consent")
		}
		b.tabTo("the submit button", `el.id === 'book-submit'`)
		b.enter("the confirmation", 200)

		path := b.text(`location.pathname`)
		code := b.text(`document.getElementById('booking-code').textContent`)
		if !codeForm.MatchString(code) || path != "/rezerwacja/"+code {
			t.Fatalf("confirmation at %s shows code %q", path, code)
		}
		got, err := e.bookings.Get(context.Background(), code)
		if err != nil {
			t.Fatal(err)
		}
		start, _ := time.Parse(time.RFC3339, chosen)
		if got.ServiceID != svc.ID || !got.StartsAt.Equal(start) || got.Status != booking.StatusBooked || *got.Name != "Zofia Łęcka-Nowak" || *got.Email != "zofia@example.pl" {
			t.Fatalf("booked %+v", got)
		}
		if n := e.bookingCount(); n != 1 {
			t.Fatalf("%d bookings, want 1", n)
		}
		if when := b.text(`document.getElementById('booking-when').textContent`); !strings.Contains(when, longDate("pl", e.week.Day(1))+", "+start.In(warsaw).Format("15:04")) {
			t.Errorf("the confirmation says %q", when)
		}
		// The QR code image loads; the print hint became a button.
		if !b.is(`document.querySelector('img.qr').complete && document.querySelector('img.qr').naturalWidth > 0`) {
			run(t, b.ctx, chromedp.Poll[bool](`document.querySelector('img.qr').naturalWidth > 0`))
		}
		if !b.is(`!!document.querySelector('button.print-button')`) {
			t.Error("no print button")
		}
	})
}

// fillForm opens the booking form for the first free time of svc on Tuesday
// and types the resident's details.
func (b *siteBrowser) fillForm(e *env, pesel string) (int64, time.Time) {
	b.t.Helper()
	serviceID, slot := e.firstFreeSlot()
	b.open(fmt.Sprintf("/sprawy/%d/termin/%s", serviceID, e.week.Date(1)), 200)
	b.navigate("the form", 200, chromedp.Click(chromedp.CSS("input[name=start]:not(:disabled)")), chromedp.Click(chromedp.CSS("#choose-time")))
	b.do(
		chromedp.SendKeys(chromedp.CSS("#name"), "Jan Kowalski"),
		chromedp.SendKeys(chromedp.CSS("#pesel"), pesel),
		chromedp.SendKeys(chromedp.CSS("#email"), "jan@example.pl"),
		chromedp.Click(chromedp.CSS("#consent")),
	)
	return serviceID, slot.Start
}

// An invalid PESEL is refused next to its field, in Polish, with the error
// announced and linked from the summary; nothing is booked.
func TestSiteBrowserInvalidPESEL(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		b := e.siteBrowser(t, 360)
		b.fillForm(e, "44051401358")
		b.navigate("the refused form", 422, chromedp.Click(chromedp.CSS("#book-submit")))
		if lang := b.text(`document.documentElement.lang`); lang != "pl" {
			t.Errorf("lang %q", lang)
		}
		msg := b.text(`document.getElementById('pesel-error').textContent`)
		if !strings.Contains(msg, "Ten numer PESEL jest nieprawidłowy") {
			t.Fatalf("PESEL error %q", msg)
		}
		// The error sits next to the field and describes it.
		if !b.is(`(() => { const f = document.getElementById('pesel'), e = document.getElementById('pesel-error');
			return f.getAttribute('aria-invalid') === 'true' && f.getAttribute('aria-describedby').split(' ').includes('pesel-error') &&
				e.parentElement === f.parentElement && f.closest('.field').classList.contains('has-error'); })()`) {
			t.Error("the PESEL field is not marked invalid and described by its error")
		}
		// Read once: the summary takes the focus after the page's h1 and is
		// no live region as well (which would make it read twice).
		if !b.is(`(() => { const s = document.getElementById('error-summary'), h = document.querySelector('h1');
			return document.activeElement === s && !s.hasAttribute('role') && !s.hasAttribute('aria-live') && !s.closest('[aria-live],[role=alert]') &&
				!!(h.compareDocumentPosition(s) & Node.DOCUMENT_POSITION_FOLLOWING) && document.querySelectorAll('h1').length === 1; })()`) {
			t.Error("the error summary is not after the h1 with the focus, or is also a live region")
		}
		if !b.is(`document.querySelector('#error-summary a[href="#pesel"]') !== null && document.title.startsWith('Błąd: ')`) {
			t.Error("the summary does not link to the field, or the title does not say there is an error")
		}
		if b.text(`document.getElementById('name').value`) != "Jan Kowalski" || b.text(`document.getElementById('pesel').value`) != "44051401358" {
			t.Error("the entered values are lost")
		}
		browsertest.RequireNoSeriousViolations(t, b.ctx, "the refused booking form")
		// Following the summary's link puts the focus on the field.
		b.do(chromedp.Click(chromedp.CSS(`#error-summary a[href="#pesel"]`)))
		run(t, b.ctx, chromedp.Poll[bool](`document.activeElement.id === 'pesel'`))
		if n := e.bookingCount(); n != 0 {
			t.Fatalf("%d bookings after an invalid PESEL", n)
		}
	})
}

// A day filled to capacity offers no times: the calendar marks it full and
// its page has nothing to choose.
func TestSiteBrowserFullDay(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		deps, err := e.offices.Departments(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		svc := deps[1].Services[0]
		if _, err := e.offices.UpdateService(ctx, svc.ID, func(s *office.ServiceSpec) error { s.SlotMinutes, s.Capacity = 240, 1; return nil }); err != nil {
			t.Fatal(err)
		}
		slots, err := e.bookings.Slots(ctx, svc.ID, e.week.Day(1))
		if err != nil || len(slots) != 2 {
			t.Fatalf("slots %v, %v", slots, err)
		}
		for i, sl := range slots {
			e.bookOne(svc.ID, sl.Start, peselOf("85010"+strconv.Itoa(i+1), "4321"))
		}
		matter := "/sprawy/" + strconv.FormatInt(svc.ID, 10)
		b := e.siteBrowser(t, 1280)
		b.open(matter+"/termin", 200)
		cell := `[...document.querySelectorAll('table.calendar td')].find(td => td.querySelector('.day-number')?.textContent === '` + strconv.Itoa(e.week.Day(1).Day) + `')`
		// A full day is no day to choose times on: its link leads to the
		// form joining its waitlist.
		if !b.is(cell + `.classList.contains('full') && ` + cell + `.querySelector('a').getAttribute('href') === '` + matter + `/termin/` + e.week.Date(1) + `/lista'`) {
			t.Fatalf("the full day's cell: %s", b.text(cell+`.outerHTML`))
		}
		if txt := b.text(cell + `.textContent`); !strings.Contains(txt, "brak wolnych miejsc") {
			t.Errorf("the full day says %q", txt)
		}
		if !b.is(`!!document.querySelector('a[href="` + matter + `/termin/` + e.week.Date(2) + `"]')`) {
			t.Error("the next day is not offered")
		}
		b.open(matter+"/termin/"+e.week.Date(1), 200)
		if n := b.text(`String(document.querySelectorAll('input[type=radio]:not([disabled])').length)`); n != "0" {
			t.Fatalf("%s times offered on a full day", n)
		}
		if !b.is(`!document.getElementById('choose-time') && document.getElementById('no-times').textContent.includes('Brak wolnych miejsc')`) {
			t.Errorf("the full day's page: %s", b.text(`document.querySelector('main').innerText`))
		}
	})
}

// A resident cancels by code and PESEL through "Moja rezerwacja".
func TestSiteBrowserCancelByCode(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		serviceID, slot := e.firstFreeSlot()
		bk := e.bookOne(serviceID, slot.Start, validPESEL)
		code := booking.FormatCode(bk.Code)
		b := e.siteBrowser(t, 1280)
		b.open("/", 200)
		b.navigate("the manage form", 200, chromedp.Click(chromedp.CSS(`.menu a[href="/rezerwacja"]`)))
		b.do(
			chromedp.SendKeys(chromedp.CSS("#code"), strings.ToLower(bk.Code)),
			chromedp.SendKeys(chromedp.CSS("#pesel"), validPESEL),
		)
		b.navigate("the booking found", 200, chromedp.Click(chromedp.CSS("#lookup-submit")))
		if got := b.text(`document.getElementById('booking-code').textContent`); got != code {
			t.Fatalf("found %q, want %q", got, code)
		}
		b.navigate("the cancel", 200, chromedp.Click(chromedp.CSS("#cancel-submit")))
		if p := b.text(`location.pathname`); p != "/rezerwacja/"+code {
			t.Fatalf("after cancelling at %s", p)
		}
		if msg := b.text(`document.getElementById('cancelled-banner').textContent`); !strings.Contains(msg, "Wizyta "+code+" została odwołana.") {
			t.Errorf("banner %q", msg)
		}
		if st := b.text(`document.getElementById('booking-status').textContent`); st != "odwołana" {
			t.Errorf("status %q", st)
		}
		got, err := e.bookings.Get(context.Background(), bk.Code)
		if err != nil || got.Status != booking.StatusCancelled {
			t.Fatalf("after cancelling: %+v %v", got, err)
		}
	})
}

// A resident cancels by PESEL, matter and day; the e-mail's cancel link
// alone cancels nothing.
func TestSiteBrowserCancelByDay(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		serviceID, slot := e.firstFreeSlot()
		bk := e.bookOne(serviceID, slot.Start, validPESEL)
		code := booking.FormatCode(bk.Code)
		b := e.siteBrowser(t, 360)
		// The link of an e-mail shows the booking and a button, no more.
		b.open("/rezerwacja/"+code+"/odwolaj", 200)
		if !b.is(`!!document.getElementById('cancel-submit')`) {
			t.Fatal("the cancel page has no button")
		}
		if got, _ := e.bookings.Get(context.Background(), bk.Code); got.Status != booking.StatusBooked {
			t.Fatal("opening the cancel link cancelled")
		}
		b.open("/odwolaj", 200)
		b.do(
			chromedp.SendKeys(chromedp.CSS("#pesel"), validPESEL),
			chromedp.SetValue(chromedp.CSS("#service_id"), strconv.FormatInt(serviceID, 10)),
			chromedp.SetValue(chromedp.CSS("#date"), e.week.Date(1)),
		)
		b.navigate("the cancel", 200, chromedp.Click(chromedp.CSS("#cancel-day-submit")))
		if p := b.text(`location.pathname`); p != "/rezerwacja/"+code {
			t.Fatalf("after cancelling at %s", p)
		}
		if !b.is(`document.getElementById('cancelled-banner').textContent.includes('została odwołana')`) {
			t.Error("no word of the cancellation")
		}
		got, err := e.bookings.Get(context.Background(), bk.Code)
		if err != nil || got.Status != booking.StatusCancelled {
			t.Fatalf("after cancelling: %+v %v", got, err)
		}
		// Again: nothing left to cancel, said next to the form.
		b.open("/odwolaj", 200)
		b.do(
			chromedp.SendKeys(chromedp.CSS("#pesel"), validPESEL),
			chromedp.SetValue(chromedp.CSS("#service_id"), strconv.FormatInt(serviceID, 10)),
			chromedp.SetValue(chromedp.CSS("#date"), e.week.Date(1)),
		)
		b.navigate("the second cancel", 404, chromedp.Click(chromedp.CSS("#cancel-day-submit")))
		if !b.is(`document.getElementById('error-summary').textContent.includes('Nie znaleziono rezerwacji')`) {
			t.Errorf("second cancel: %s", b.text(`document.querySelector('main').innerText`))
		}
	})
}

// The language switch changes the texts and the lang attribute and keeps
// the page; the choice holds on the next page.
func TestSiteBrowserLanguageSwitch(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		serviceID, _ := e.firstFreeSlot()
		matter := "/sprawy/" + strconv.FormatInt(serviceID, 10)
		b := e.siteBrowser(t, 1280)
		b.open(matter+"/termin", 200)
		for _, c := range []struct{ lang, heading, skip string }{
			{"pl", "Wybierz dzień wizyty", "Przejdź do treści"},
			{"en", "Choose the day of your visit", "Skip to content"},
			{"uk", "Оберіть день візиту", "Перейти до змісту"},
		} {
			if c.lang != "pl" {
				b.navigate("switch to "+c.lang, 200, chromedp.Click(chromedp.CSS(`.langs a[hreflang="`+c.lang+`"]`)))
			}
			if lang := b.text(`document.documentElement.lang`); lang != c.lang {
				t.Errorf("lang %q, want %q", lang, c.lang)
			}
			if p := b.text(`location.pathname`); p != matter+"/termin" {
				t.Errorf("the switch to %s went to %s", c.lang, p)
			}
			if h := b.text(`document.querySelector('h1').textContent`); h != c.heading {
				t.Errorf("%s heading %q, want %q", c.lang, h, c.heading)
			}
			if s := b.text(`document.querySelector('.skip').textContent`); s != c.skip {
				t.Errorf("%s skip link %q", c.lang, s)
			}
			if cur := b.text(`document.querySelector('.langs a[aria-current]').getAttribute('hreflang')`); cur != c.lang {
				t.Errorf("current language marked %q", cur)
			}
		}
		// The choice is remembered: the next page is Ukrainian too.
		b.navigate("the day page", 200, chromedp.Click(chromedp.CSS(`a[href="`+matter+`/termin/`+e.week.Date(1)+`"]`)))
		if lang := b.text(`document.documentElement.lang`); lang != "uk" || !b.is(`document.querySelector('h1').textContent === 'Оберіть час візиту'`) {
			t.Errorf("the next page is in %q", lang)
		}
	})
}

// Past the limit per address the booking form comes back with everything
// typed in its fields, the consent ticked, and an alert saying when to try
// again; the page is accessible like the refused form.
func TestSiteBrowserTooManyKeepsTyped(t *testing.T) {
	limits := generous
	limits.Book = web.Limit{Max: 1, Window: 10 * time.Minute}
	e := newEnvWith(t, databasetest.SQLite(t), limits)
	b := e.siteBrowser(t, 360)
	serviceID, slot := e.firstFreeSlot()
	first := bookingBody(serviceID, slot.Start)
	first["pesel"], first["email"] = residentPESEL(5), "sasiad@example.pl"
	raw, _ := json.Marshal(first)
	if resp, out := e.overHTTP(b.base, "POST", "/api/v1/bookings", string(raw)); resp.StatusCode != 201 {
		t.Fatalf("a neighbour's booking from the address: %d %s", resp.StatusCode, out)
	}
	b.fillForm(e, validPESEL)
	b.navigate("the form past the limit", 429, chromedp.Click(chromedp.CSS("#book-submit")))
	msg := b.text(`document.getElementById('error-summary').textContent`)
	if !strings.Contains(msg, "Zbyt wiele rezerwacji z Twojego adresu") || !strings.Contains(msg, "Spróbuj ponownie za 10 minut (o 10:10). Wpisane dane zostały zachowane.") {
		t.Fatalf("the alert says %q", msg)
	}
	if !b.is(`document.activeElement.id === 'error-summary' && !document.getElementById('error-summary').hasAttribute('role')`) {
		t.Error("the summary does not have the focus, or is also a live region")
	}
	if b.text(`document.getElementById('name').value`) != "Jan Kowalski" || b.text(`document.getElementById('pesel').value`) != validPESEL ||
		b.text(`document.getElementById('email').value`) != "jan@example.pl" || !b.is(`document.getElementById('consent').checked`) {
		t.Error("what was typed is lost")
	}
	browsertest.RequireNoSeriousViolations(t, b.ctx, "the booking form past the limit")
	if n := e.bookingCount(); n != 1 {
		t.Fatalf("%d bookings, want the neighbour's only", n)
	}
}
