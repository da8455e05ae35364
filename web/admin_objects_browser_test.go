package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/kiosk"
	"github.com/okienko/okienko/kiosk/printer/printertest"
	"github.com/okienko/okienko/web/browsertest"
)

// The administrator sets up a hall display for one department in English:
// its preview shows that department's queue only, in English, and when the
// administrator adds a department the open display follows.
func TestBrowserAdminDisplays(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		deps, err := e.offices.Departments(t.Context(), false)
		if err != nil || len(deps) < 2 {
			t.Fatalf("departments: %v", err)
		}
		first, second := deps[0], deps[1]
		p := adminSignIn(t, e, "#tablice")
		p.waitFor("the displays", `!document.getElementById('sec-displays').hidden && document.getElementById('displays-list').textContent !== ''`)
		p.do(chromedp.Click(chromedp.CSS("#display-new")))
		p.waitFor("the display form", `document.getElementById('display-form') !== null`)
		p.do(
			chromedp.SendKeys(chromedp.CSS(`#display-form [name=name]`), "Hol parter"),
			chromedp.Click(chromedp.CSS(`#display-form [name=dep-`+itoa(first.ID)+`]`)),
			chromedp.SetValue(chromedp.CSS(`#display-form [name=lang]`), "en"),
			chromedp.Click(chromedp.CSS(`#display-sound`)),
			chromedp.Click(chromedp.CSS("#display-save")),
		)
		p.waitFor("the new display listed", `document.getElementById('notice').textContent === 'Utworzono.' && document.getElementById('displays-list').textContent.includes('Hol parter')`)
		row := p.text(`[...document.querySelectorAll('#displays-list tr')].find(r => r.textContent.includes('Hol parter')).textContent`)
		if !strings.Contains(row, first.Name) || strings.Contains(row, second.Name) || !strings.Contains(row, "angielski") || !strings.Contains(row, "włączony") {
			t.Fatalf("the row says %q", row)
		}
		href := p.text(`document.querySelector('#displays-list a.preview').getAttribute('href')`)
		resp, body := e.do("GET", "/api/v1/admin/displays", nil, bearer(e.adminToken())...)
		var displays []struct {
			ID            int64   `json:"id"`
			DepartmentIDs []int64 `json:"department_ids"`
			Lang          string  `json:"lang"`
			Sound         bool    `json:"sound"`
			Path          string  `json:"path"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &displays) != nil || len(displays) != 1 ||
			len(displays[0].DepartmentIDs) != 1 || displays[0].DepartmentIDs[0] != first.ID || displays[0].Lang != "en" || displays[0].Path != href || !displays[0].Sound {
			t.Fatalf("stored displays %s, preview link %q", body, href)
		}

		// The preview is what the TV shows.
		base := p.text(`location.origin`)
		p.do(chromedp.Navigate(base + href))
		p.waitFor("the display's queue", `document.querySelectorAll('#waiting-list li').length > 0`)
		shown := run(t, p.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#waiting-list li')].map(li => li.dataset.department)`))
		if len(shown) != 1 || shown[0] != itoa(first.ID) || p.text(`document.documentElement.lang`) != "en" || p.text(`document.body.dataset.sound`) != "on" {
			t.Fatalf("the display shows departments %v in %q", shown, p.text(`document.documentElement.lang`))
		}

		// The administrator adds the second department; the display follows.
		resp, body = e.do("PATCH", "/api/v1/admin/displays/"+itoa(displays[0].ID),
			map[string]any{"department_ids": []int64{first.ID, second.ID}}, bearer(e.adminToken())...)
		if resp.StatusCode != 200 {
			t.Fatalf("patch: %d %s", resp.StatusCode, body)
		}
		p.do(chromedp.Evaluate[chromedp.Void](`window.beforeReload = true; OkienkoDisplay.checkSetup()`))
		p.waitAcrossReload("both departments", `!window.beforeReload && document.querySelectorAll('#waiting-list li').length === 2`)
	})
}

// The administrator adds a PDF form to a matter: it is listed in the
// panel, residents find it on the matter's page and it downloads as a PDF;
// a file that is not a PDF is refused next to the file field and stored
// nowhere.
func TestBrowserAdminFormTemplate(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		id, name := adminService(t, e)
		dir := t.TempDir()
		good, bad := filepath.Join(dir, "wniosek-dowod.pdf"), filepath.Join(dir, "notatka.pdf")
		if os.WriteFile(good, samplePDF("Wniosek"), 0o600) != nil || os.WriteFile(bad, []byte("to nie jest PDF"), 0o600) != nil {
			t.Fatal("writing the files")
		}
		p := adminSignIn(t, e, "#sprawy")
		edit := `#services-list button[aria-label=` + jsString("Edytuj: "+name) + `]`
		p.waitFor("the services", `document.querySelector(`+jsString(edit)+`) !== null`)
		p.do(chromedp.Click(chromedp.CSS(edit)))
		p.waitFor("the forms of the matter", `document.getElementById('form-upload') !== null`)

		p.do(chromedp.SetUploadFiles(chromedp.CSS("#form-file"), []string{bad}), chromedp.Click(chromedp.CSS("#form-submit")))
		p.waitFor("the file refused", `document.querySelector('[data-field=file] .field-error')?.textContent === 'Można dodać tylko pliki PDF.'`)
		var n int64
		if db.Table("attachments").Count(&n); n != 0 {
			t.Fatalf("%d attachments stored after a bad file", n)
		}

		p.do(
			chromedp.SetUploadFiles(chromedp.CSS("#form-file"), []string{good}),
			chromedp.SendKeys(chromedp.CSS("#form-title"), "Wniosek o wydanie dowodu osobistego"),
			chromedp.Click(chromedp.CSS("#form-submit")),
		)
		p.waitFor("the form listed", `document.getElementById('notice').textContent === 'Dodano formularz.' && document.getElementById('service-forms').textContent.includes('wniosek-dowod.pdf')`)
		if p.text(`document.querySelector('[data-field=file] .field-error')?.textContent || ''`) != "" {
			t.Errorf("the old error still shows")
		}

		base := p.text(`location.origin`)
		p.do(chromedp.Navigate(base + "/sprawy/" + itoa(id)))
		p.waitFor("the matter page", `document.getElementById('forms') !== null`)
		link := p.text(`(document.querySelector('.forms a') || {}).textContent || ''`)
		if link != "Wniosek o wydanie dowodu osobistego" {
			t.Fatalf("the matter page links %q", link)
		}
		got := run(t, p.ctx, chromedp.Evaluate[string](`fetch(document.querySelector('.forms a').href).then(r => r.headers.get('content-type') + ' ' + r.status)`, chromedp.EvalAwaitPromise))
		if got != "application/pdf 200" {
			t.Fatalf("the form downloads as %q", got)
		}
	})
}

// The administrator prints the test page on a kiosk's printer and sees it
// printed; with the paper out the panel says so and shows the printer's
// state.
func TestBrowserAdminKioskTestPrint(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		fake := printertest.Start(t)
		resp, body := e.do("POST", "/api/v1/admin/kiosks", map[string]any{"name": "Biletomat w holu", "printer": map[string]any{"uri": fake.URI()}}, bearer(e.adminToken())...)
		if resp.StatusCode != 201 {
			t.Fatalf("kiosk: %d %s", resp.StatusCode, body)
		}
		p := adminSignIn(t, e, "#uzytkownicy")
		// The printer states refresh every 10 s; here every 0.2 s.
		p.do(chromedp.Evaluate[chromedp.Void](`window.OKIENKO_LIVE_MS = 200`), chromedp.Click(chromedp.CSS(`#nav a[href="#biletomaty"]`)))
		button := `#kiosks-list button[aria-label=` + jsString("Wydruk testowy: Biletomat w holu") + `]`
		p.waitFor("the kiosks", `document.querySelector(`+jsString(button)+`) !== null`)
		p.do(chromedp.Click(chromedp.CSS(button)))
		p.waitFor("printed", `document.getElementById('notice').textContent === 'Strona testowa wydrukowana na „Biletomat w holu”.'`)
		if fake.Printed() != 1 || !strings.Contains(string(fake.Jobs()[0]), "Biletomat w holu") {
			t.Fatalf("the printer printed %d pages", fake.Printed())
		}
		p.waitFor("the printer ready", `[...document.querySelectorAll('#kiosks-list tr')].some(r => r.textContent.includes('Biletomat w holu') && r.textContent.includes('gotowa'))`)

		fake.SetPaperOut(true)
		p.do(chromedp.Click(chromedp.CSS(button)))
		p.waitFor("the paper end told", `document.getElementById('alert').textContent === 'Strona testowa nie wydrukowała się na „Biletomat w holu”: brak papieru.'`)
		p.waitFor("the printer out of paper", `[...document.querySelectorAll('#kiosks-list tr')].some(r => r.textContent.includes('Biletomat w holu') && r.textContent.includes('brak papieru'))`)
		if fake.Printed() != 1 {
			t.Fatalf("printed %d pages with the paper out", fake.Printed())
		}

		// The kiosk's agent (or its next ticket) reports a new state: the
		// open list shows it without being reloaded, the focus where it was.
		p.do(chromedp.Focus(chromedp.CSS(button)))
		if err := db.Table("kiosks").Where("name = ?", "Biletomat w holu").Update("printer_state", "paper_low").Error; err != nil {
			t.Fatal(err)
		}
		p.waitFor("the printer state refreshed", `[...document.querySelectorAll('#kiosks-list tr')].some(r => r.textContent.includes('Biletomat w holu') && r.textContent.includes('kończy się papier'))`)
		if !run(t, p.ctx, chromedp.Evaluate[bool](`document.activeElement === document.querySelector(`+jsString(button)+`)`)) {
			t.Errorf("the refresh moved the focus")
		}
	})
}

// waitAcrossReload is waitFor on a page that is about to reload itself: a
// wait the navigation cuts short is started again on the new page.
func (p *tab) waitAcrossReload(what, expr string) {
	p.t.Helper()
	for range 5 {
		_, err := chromedp.Run(p.ctx, chromedp.Poll[bool](expr))
		if err == nil {
			return
		}
		if !strings.Contains(err.Error(), "navigated or closed") && !strings.Contains(err.Error(), "context was destroyed") && !strings.Contains(err.Error(), "Cannot find context") {
			p.t.Fatalf("waiting for %s: %v", what, err)
		}
	}
	p.t.Fatalf("waiting for %s: the page kept navigating", what)
}

// Two administrators change things; the audit log filtered by one of them
// shows only that one's changes, and a change's object opens that object's
// whole history, by whoever made it.
func TestBrowserAdminAuditFilters(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		resp, body := e.do("POST", "/api/v1/admin/users", map[string]any{"username": "kierownik", "password": "kierownik-haslo-1", "role": "admin", "display_name": "Anna Kierownik"}, admin...)
		if resp.StatusCode != 201 {
			t.Fatalf("user: %d %s", resp.StatusCode, body)
		}
		svcID, svcName := adminService(t, e)
		object := "sprawa „" + svcName + "”"
		second := bearer(e.login("kierownik", "kierownik-haslo-1"))
		for _, c := range []struct {
			by   []string
			path string
			body map[string]any
		}{
			{admin, "/api/v1/admin/services/" + itoa(svcID), map[string]any{"capacity": 2}},
			{second, "/api/v1/admin/services/" + itoa(svcID), map[string]any{"capacity": 3}},
			{second, "/api/v1/admin/displays", map[string]any{"name": "Hol"}},
		} {
			method := "PATCH"
			if strings.HasSuffix(c.path, "displays") {
				method = "POST"
			}
			if resp, body := e.do(method, c.path, c.body, c.by...); resp.StatusCode >= 300 {
				t.Fatalf("%s %s: %d %s", method, c.path, resp.StatusCode, body)
			}
		}

		p := adminSignIn(t, e, "#dziennik")
		p.waitFor("the audit log", `document.querySelectorAll('#audit-list tbody tr').length > 0 && document.getElementById('audit-user').options.length > 2`)
		p.do(chromedp.SetValue(chromedp.CSS("#audit-user"), p.text(`[...document.getElementById('audit-user').options].find(o => o.text === 'Anna Kierownik (kierownik)').value`)),
			chromedp.Click(chromedp.CSS(`#audit-form button[type=submit]`)))
		// Her sign-in and her two changes.
		p.waitFor("her sign-in and changes", `[...document.querySelectorAll('#audit-list tbody tr')].length === 3`)
		actors := run(t, p.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#audit-list tbody tr')].map(r => r.cells[1].textContent)`))
		for _, a := range actors {
			if !strings.HasPrefix(a, "kierownik") {
				t.Fatalf("filtered by kierownik, the log shows changes by %v", actors)
			}
		}
		if acts := run(t, p.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#audit-list tbody tr')].map(r => r.cells[2].textContent)`)); strings.Join(acts, " | ") != "utworzenie | zmiana | logowanie" {
			t.Fatalf("her entries are %v, want utworzenie, zmiana, logowanie", acts)
		}
		// Her change of the capacity: only that field, old → new, in words.
		changes := run(t, p.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#audit-list tbody tr')[1].querySelectorAll('.changes li')].map(li => li.textContent)`))
		if len(changes) != 1 || changes[0] != "Liczba równoczesnych wizyt: 2 → zmienione na 3" {
			t.Fatalf("her change of the capacity shows %q", changes)
		}

		// The service's history: its creation by the demo seed and both
		// administrators' changes.
		p.do(chromedp.Click(chromedp.CSS(`#audit-list tbody button.link[aria-label=` + jsString("Historia: "+object) + `]`)))
		p.waitFor("the service's history", `document.getElementById('audit-object').value === '`+itoa(svcID)+`' && document.getElementById('audit-user').value === '' && [...document.querySelectorAll('#audit-list tbody tr')].every(r => r.cells[3].textContent === `+jsString(object)+`) && [...document.querySelectorAll('#audit-list tbody tr')].some(r => r.cells[1].textContent.startsWith('admin'))`)
		if acts := run(t, p.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#audit-list tbody tr')].map(r => r.cells[2].textContent)`)); strings.Join(acts, " | ") != "zmiana | zmiana | utworzenie" {
			t.Fatalf("the service's history is %v, want zmiana, zmiana, utworzenie", acts)
		}
	})
}

// The administrator picks a printer model: its settings fill the form and
// stay editable; a changed field makes the model "other"; the saved kiosk
// has what the form showed. A setting the server refuses is marked at its
// field.
func TestBrowserAdminKioskPrinterModel(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		resp, body := e.do("POST", "/api/v1/admin/kiosks", map[string]any{"name": "Biletomat w holu", "printer": map[string]any{"uri": "tcp://192.0.2.10:9100"}}, admin...)
		var k struct{ ID int64 }
		if resp.StatusCode != 201 || json.Unmarshal(body, &k) != nil {
			t.Fatalf("kiosk: %d %s", resp.StatusCode, body)
		}
		p := adminSignIn(t, e, "#biletomaty")
		button := `#kiosks-list button[aria-label=` + jsString("Ustawienia biletomatu: Biletomat w holu") + `]`
		p.waitFor("the kiosks", `document.querySelector(`+jsString(button)+`) !== null`)
		p.do(chromedp.Click(chromedp.CSS(button)))
		p.waitFor("the settings, a TM-T20's", `document.querySelector('#kiosk-settings [name=model]') !== null && document.querySelector('#kiosk-settings [name=model]').value === 'tm-t20'`)
		p.do(chromedp.SetValue(chromedp.CSS(`#kiosk-settings [name=model]`), "tm-t88"),
			chromedp.Evaluate[chromedp.Void](`document.querySelector('#kiosk-settings [name=model]').dispatchEvent(new Event('change'))`))
		form := func(name string) string {
			return p.text(`(e => e.type === 'checkbox' ? String(e.checked) : e.value)(document.querySelector('#kiosk-settings [name=` + name + `]'))`)
		}
		for name, want := range map[string]string{"paper_mm": "80", "columns": "42", "dots": "512", "code_table": "18", "charset": "pc852", "qr": "raster", "cut": "partial", "chinese_off": "false", "status": "true"} {
			if got := form(name); got != want {
				t.Errorf("TM-T88 %s = %q; want %q", name, got, want)
			}
		}
		p.do(chromedp.SetValue(chromedp.CSS(`#kiosk-settings [name=columns]`), "40"),
			chromedp.Evaluate[chromedp.Void](`document.querySelector('#kiosk-settings [name=columns]').dispatchEvent(new Event('change'))`))
		if got := form("model"); got != "" {
			t.Errorf("after a change the model is %q; want other", got)
		}
		p.do(chromedp.Click(chromedp.CSS(`#kiosk-settings button[type=submit]`)))
		// Saved, the list is loaded again and the focus back on its heading.
		p.waitFor("saved", `document.getElementById('kiosk-settings') === null && document.activeElement === document.getElementById('kiosks-heading')`)
		resp, body = e.do("GET", fmt.Sprintf("/api/v1/admin/kiosks/%d", k.ID), nil, admin...)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"columns":40,"dots":512`) || !strings.Contains(string(body), `"qr":"raster"`) {
			t.Fatalf("saved: %s", body)
		}

		// The 58 mm clone, then dots the paper can't hold: refused at the field.
		p.do(chromedp.Click(chromedp.CSS(button)))
		p.waitFor("the settings again", `document.querySelector('#kiosk-settings [name=columns]') !== null && document.querySelector('#kiosk-settings [name=columns]').value === '40'`)
		p.do(chromedp.SetValue(chromedp.CSS(`#kiosk-settings [name=model]`), "clone-58"),
			chromedp.Evaluate[chromedp.Void](`document.querySelector('#kiosk-settings [name=model]').dispatchEvent(new Event('change'))`))
		if got := form("chinese_off") + form("cut") + form("dots"); got != "truefeed384" {
			t.Errorf("clone: %s", got)
		}
		p.do(chromedp.SetValue(chromedp.CSS(`#kiosk-settings [name=dots]`), "576"),
			chromedp.Click(chromedp.CSS(`#kiosk-settings button[type=submit]`)))
		p.waitFor("the dots refused at their field", `(f => f !== null && f.textContent.includes('58 mm'))(document.querySelector('#kiosk-settings [data-field="printer.dots"]'))`)
		browsertest.RequireNoSeriousViolations(t, p.ctx, "the printer settings with a refused field")
		if _, after := e.do("GET", fmt.Sprintf("/api/v1/admin/kiosks/%d", k.ID), nil, admin...); !bytes.Equal(after, body) {
			t.Errorf("a refused change wrote %s", after)
		}
	})
}

// The administrator's list of print jobs names the states and reasons in
// Polish, marks a reprint as the duplicate of its job, and the kiosk's
// settings take max_job_age_minutes, refusing 0 at the field.
func TestBrowserAdminPrintJobs(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	fake := printertest.Start(t)
	resp, body := e.do("POST", "/api/v1/admin/kiosks", map[string]any{"name": "Biletomat w holu", "printer": map[string]any{"uri": fake.URI()}}, bearer(e.adminToken())...)
	if resp.StatusCode != 201 {
		t.Fatalf("kiosk: %d %s", resp.StatusCode, body)
	}
	var k struct{ ID int64 }
	_ = json.Unmarshal(body, &k)
	// A job the server was printing when it died, found abandoned.
	if err := e.db.Create(&kiosk.Job{KioskID: k.ID, Kind: "test", State: kiosk.JobUnknown, Reason: kiosk.ReasonAbandoned, Via: kiosk.ViaDirect,
		Attempts: 1, Payload: []byte("\x1b@Strona\n\x1dVB\x03"), CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}).Error; err != nil {
		t.Fatal(err)
	}
	p := adminSignIn(t, e, "#biletomaty")
	jobs := `#kiosks-list button[aria-label=` + jsString("Ostatnie wydruki: Biletomat w holu") + `]`
	p.waitFor("the kiosks", `document.querySelector(`+jsString(jobs)+`) !== null`)
	p.do(chromedp.Click(chromedp.CSS(jobs)))
	p.waitFor("the job unknown", `document.getElementById('kiosk-jobs').textContent.includes('nie wiadomo, czy wydrukowane') &&
		document.getElementById('kiosk-jobs').textContent.includes('serwer lub program biletomatu zatrzymał się w trakcie wydruku')`)
	p.do(chromedp.Click(chromedp.CSS(`#kiosk-jobs button[aria-label^="Drukuj ponownie zadanie"]`)))
	p.waitFor("reprinted", `document.getElementById('notice').textContent === 'Ponowny wydruk: wydrukowany.'`)
	p.waitFor("the duplicate listed", `document.getElementById('kiosk-jobs').textContent.includes('(duplikat #') &&
		document.getElementById('kiosk-jobs').textContent.includes('wydrukowane')`)
	if fake.Printed() != 1 {
		t.Fatalf("printed %d", fake.Printed())
	}

	settings := `#kiosks-list button[aria-label=` + jsString("Ustawienia biletomatu: Biletomat w holu") + `]`
	p.do(chromedp.Click(chromedp.CSS(settings)))
	p.waitFor("the settings", `document.querySelector('#kiosk-settings [name=max_job_age_minutes]')?.value === '10'`)
	p.do(chromedp.SetValue(chromedp.CSS(`#kiosk-settings [name=max_job_age_minutes]`), "0"),
		chromedp.Click(chromedp.CSS(`#kiosk-settings button[type=submit]`)))
	p.waitFor("the field refused", `document.querySelector('#kiosk-settings [name=max_job_age_minutes]').closest('.field').textContent.includes('Od 1 do 120 minut.')`)
	p.do(chromedp.SetValue(chromedp.CSS(`#kiosk-settings [name=max_job_age_minutes]`), "30"),
		chromedp.Click(chromedp.CSS(`#kiosk-settings button[type=submit]`)))
	p.waitFor("saved", `document.getElementById('kiosk-settings') === null`)
	if got, err := kiosk.NewStore(e.db, e.clock).Get(t.Context(), k.ID); err != nil || got.MaxJobAgeMinutes != 30 {
		t.Fatalf("saved %+v %v", got, err)
	}
}
