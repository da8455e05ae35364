package web_test

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
)

// loginStatus answers the status of signing in through the API.
func (e *env) loginStatus(username, password string) int {
	e.t.Helper()
	resp, _ := e.do("POST", "/api/v1/auth/login", map[string]string{"username": username, "password": password})
	return resp.StatusCode
}

// listedRow is a JavaScript expression: the first cells of the row of list
// (an element id) whose header cell says name, joined by " | ", or "".
func listedRow(list, name string, cells int) string {
	return `(() => { const r = [...document.querySelectorAll('#` + list + ` tbody tr')].find(r => r.cells[0].textContent === ` + jsString(name) + `);` +
		` return r ? [...r.cells].slice(0, ` + strconv.Itoa(cells) + `).map(c => c.textContent).join(' | ') : ''; })()`
}

// userRow is the row of a user in Użytkownicy: user name, display name,
// role and state.
func userRow(name string) string { return listedRow("users-list", name, 4) }

// storedUser is the user of that name as GET /api/v1/admin/users lists it.
func (e *env) storedUser(name string) (found bool, role, displayName string, disabled bool) {
	e.t.Helper()
	resp, body := e.do("GET", "/api/v1/admin/users", nil, bearer(e.adminToken())...)
	var users []struct {
		Username    string `json:"username"`
		DisplayName string `json:"display_name"`
		Role        string `json:"role"`
		Disabled    bool   `json:"disabled"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &users) != nil {
		e.t.Fatalf("users: %d %s", resp.StatusCode, body)
	}
	for _, u := range users {
		if u.Username == name {
			return true, u.Role, u.DisplayName, u.Disabled
		}
	}
	return false, "", "", false
}

// The administrator creates the clerk a.kowalska in Użytkownicy and sees her
// listed as an active urzędnik; she signs in with her password. The
// administrator sets her a new password: her old one stops working and her
// open session ends; the new one works. Disabling the account turns its
// button into Włącz, ends her session and keeps her out even with the right
// password; enabling it again lets her in.
func TestBrowserAdminUsersClerkAccount(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		const name, first, second = "a.kowalska", "pierwsze-haslo-1", "drugie-haslo-22"
		p := adminSignIn(t, e, "#uzytkownicy")
		p.waitFor("the users", `!document.getElementById('sec-users').hidden && `+userRow(e.creds.ClerkUser)+` !== ''`)

		p.do(
			chromedp.SendKeys(chromedp.CSS("#user-username"), name),
			chromedp.SendKeys(chromedp.CSS("#user-display"), "Anna Kowalska"),
			chromedp.SetValue(chromedp.CSS("#user-role"), "clerk"),
			chromedp.SendKeys(chromedp.CSS("#user-password"), first),
			chromedp.Click(chromedp.CSS(`#user-form button[type=submit]`)),
		)
		p.waitFor("the clerk listed", `document.getElementById('notice').textContent === 'Utworzono.' && `+userRow(name)+` === 'a.kowalska | Anna Kowalska | urzędnik | aktywne'`)
		if left := p.text(`document.getElementById('user-username').value + document.getElementById('user-password').value`); left != "" {
			t.Errorf("after creating the user the form still holds %q", left)
		}
		if found, role, display, disabled := e.storedUser(name); !found || role != "clerk" || display != "Anna Kowalska" || disabled {
			t.Fatalf("stored user %q: found %v, role %q, display name %q, disabled %v", name, found, role, display, disabled)
		}
		token := e.login(name, first)

		// A new password.
		reset := `#users-list button[aria-label=` + jsString("Nowe hasło dla "+name) + `]`
		p.waitFor("the reset button", `document.querySelector(`+jsString(reset)+`) !== null`)
		p.do(chromedp.Click(chromedp.CSS(reset)))
		p.waitFor("the new password form", `document.querySelector('#password-form h3')?.textContent === `+jsString("Nowe hasło dla "+name)+
			` && document.activeElement === document.querySelector('#password-form [name=password]')`)
		p.do(
			chromedp.SendKeys(chromedp.CSS(`#password-form [name=password]`), second),
			chromedp.Click(chromedp.CSS(`#password-form button[type=submit]`)),
		)
		p.waitFor("the password set, the focus back on the user's button", `document.getElementById('notice').textContent === `+jsString("Ustawiono nowe hasło dla "+name+".")+` && document.getElementById('password-form') === null && document.activeElement === document.querySelector(`+jsString(reset)+`)`)
		if s := e.loginStatus(name, first); s != 401 {
			t.Fatalf("signing in with the old password: %d, want 401", s)
		}
		if resp, body := e.do("GET", "/api/v1/auth/me", nil, bearer(token)...); resp.StatusCode != 401 {
			t.Fatalf("the session from before the new password: %d %s, want 401", resp.StatusCode, body)
		}
		token = e.login(name, second)

		// Disabled, then enabled again.
		disable := `#users-list button[aria-label=` + jsString("Wyłącz: "+name) + `]`
		enable := `#users-list button[aria-label=` + jsString("Włącz: "+name) + `]`
		p.waitFor("the disable button", `document.querySelector(`+jsString(disable)+`)?.textContent === 'Wyłącz'`)
		p.do(chromedp.Click(chromedp.CSS(disable)))
		p.waitFor("the clerk disabled, the focus on the switch", userRow(name)+` === 'a.kowalska | Anna Kowalska | urzędnik | wyłączone' && document.querySelector(`+jsString(enable)+`)?.textContent === 'Włącz' && document.querySelector(`+jsString(disable)+`) === null && document.activeElement === document.querySelector(`+jsString(enable)+`)`)
		if found, _, _, disabled := e.storedUser(name); !found || !disabled {
			t.Fatalf("stored user %q: found %v, disabled %v, want disabled", name, found, disabled)
		}
		if s := e.loginStatus(name, second); s != 401 {
			t.Fatalf("signing in to the disabled account: %d, want 401", s)
		}
		if resp, body := e.do("GET", "/api/v1/auth/me", nil, bearer(token)...); resp.StatusCode != 401 {
			t.Fatalf("the session of the disabled account: %d %s, want 401", resp.StatusCode, body)
		}
		p.do(chromedp.Click(chromedp.CSS(enable)))
		p.waitFor("the clerk enabled", userRow(name)+` === 'a.kowalska | Anna Kowalska | urzędnik | aktywne' && document.querySelector(`+jsString(disable)+`)?.textContent === 'Wyłącz' && document.querySelector(`+jsString(enable)+`) === null`)
		if s := e.loginStatus(name, second); s != 200 {
			t.Fatalf("signing in after enabling the account: %d, want 200", s)
		}
		if alert := p.text(`document.getElementById('alert').textContent`); alert != "" {
			t.Errorf("the page shows the error %q", alert)
		}
	})
}

// The administrator gives a new user a password of 9 characters: the page
// says what is wrong next to the password field and moves there, and no user
// is created. Typing on to a longer password and submitting again creates
// the user, and the error is gone.
func TestBrowserAdminUsersShortPassword(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		const name = "j.nowak"
		count := func() int64 {
			var n int64
			if err := db.Table("users").Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := count()
		p := adminSignIn(t, e, "#uzytkownicy")
		p.waitFor("the users", `!document.getElementById('sec-users').hidden && `+userRow(e.creds.ClerkUser)+` !== ''`)

		p.do(
			chromedp.SendKeys(chromedp.CSS("#user-username"), name),
			chromedp.SendKeys(chromedp.CSS("#user-display"), "Jan Nowak"),
			chromedp.SendKeys(chromedp.CSS("#user-password"), "krotkie12"),
			chromedp.Click(chromedp.CSS(`#user-form button[type=submit]`)),
		)
		passwordError := `document.getElementById('user-password').closest('.field').querySelector('.field-error')`
		p.waitFor("the password refused", passwordError+` !== null`)
		msg := p.text(passwordError + `.textContent`)
		if msg != "Co najmniej 10 znaków." {
			t.Errorf("the password error says %q, want, in Polish, the least length, 10", msg)
		}
		if !run(t, p.ctx, chromedp.Evaluate[bool](`document.getElementById('user-password').getAttribute('aria-invalid') === 'true' && document.getElementById('user-password').getAttribute('aria-describedby') === `+passwordError+`.id`)) {
			t.Errorf("the password field is not marked invalid and described by its error")
		}
		if focused := p.text(`document.activeElement.id`); focused != "user-password" {
			t.Errorf("the focus is on %q, want the password field", focused)
		}
		if n := p.text(`String(document.querySelectorAll('#user-form .field-error').length)`); n != "1" {
			t.Errorf("%s field errors shown, want only the password's", n)
		}
		if alert := p.text(`document.getElementById('alert').textContent`); alert != "Popraw zaznaczone pola." {
			t.Errorf("the alert says %q", alert)
		}
		if n := count(); n != before {
			t.Fatalf("%d users after a refused password, want %d", n, before)
		}
		if p.text(userRow(name)) != "" {
			t.Fatalf("the refused user is listed")
		}

		// The administrator types on: 12 characters.
		p.do(
			chromedp.SendKeys(chromedp.CSS("#user-password"), "345"),
			chromedp.Click(chromedp.CSS(`#user-form button[type=submit]`)),
		)
		p.waitFor("the user listed", `document.getElementById('notice').textContent === 'Utworzono.' && `+userRow(name)+` === 'j.nowak | Jan Nowak | urzędnik | aktywne'`)
		if p.text(`String(document.querySelectorAll('#user-form .field-error').length) + (document.getElementById('user-password').getAttribute('aria-invalid') || '') + document.getElementById('alert').textContent`) != "0" {
			t.Errorf("the password error still shows after the user was created")
		}
		if n := count(); n != before+1 {
			t.Fatalf("%d users, want %d", n, before+1)
		}
		if s := e.loginStatus(name, "krotkie12345"); s != 200 {
			t.Fatalf("signing the new user in: %d", s)
		}
	})
}

// storedCounter is a counter as GET /api/v1/admin/counters lists it.
type storedCounter struct {
	ID           int64   `json:"id"`
	Name         string  `json:"name"`
	DepartmentID int64   `json:"department_id"`
	ServiceIDs   []int64 `json:"service_ids"`
}

// storedCounters answers the counter of that name (nil when there is none)
// and how many counters there are.
func (e *env) storedCounters(name string) (*storedCounter, int) {
	e.t.Helper()
	resp, body := e.do("GET", "/api/v1/admin/counters", nil, bearer(e.adminToken())...)
	var counters []storedCounter
	if resp.StatusCode != 200 || json.Unmarshal(body, &counters) != nil {
		e.t.Fatalf("counters: %d %s", resp.StatusCode, body)
	}
	for i := range counters {
		if counters[i].Name == name {
			return &counters[i], len(counters)
		}
	}
	return nil, len(counters)
}

// The administrator opens Stanowiska, clicks Nowe stanowisko, names the
// counter, chooses a department other than the first (unticking the first,
// ticked for a new counter) and ticks two of its matters: the counter is listed with that department and those two, and is
// stored serving exactly them. Editing it and unticking one leaves it
// serving the other only. Deleting it asks first: declining keeps it; once
// confirmed it is gone from the list and from the store.
func TestBrowserAdminCountersCreateEditDelete(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		deps, err := e.offices.Departments(t.Context(), true)
		if err != nil || len(deps) < 2 {
			t.Fatalf("departments: %d, %v", len(deps), err)
		}
		var dep office.Department
		for _, d := range deps[1:] {
			if len(d.Services) >= 2 {
				dep = d
				break
			}
		}
		if dep.ID == 0 {
			t.Fatal("no department but the first has two services")
		}
		// a and b are ticked, in id order; a is unticked later, b stays.
		a, b := dep.Services[0], dep.Services[1]
		if a.ID > b.ID {
			a, b = b, a
		}
		var boxes []string
		for _, s := range dep.Services {
			boxes = append(boxes, "svc-"+itoa(s.ID))
		}
		slices.Sort(boxes)
		const name = "Stanowisko szybkiej obsługi"
		if c, _ := e.storedCounters(name); c != nil {
			t.Fatalf("the demo office already has %q", name)
		}
		_, demoCounters := e.storedCounters(name)
		row := listedRow("counters-list", name, 3)
		box := func(id int64) string { return `#counter-form [name=svc-` + itoa(id) + `]` }
		save := `#counter-form button[type=submit]`

		p := adminSignIn(t, e, "#stanowiska")
		p.waitFor("the counters", `!document.getElementById('sec-counters').hidden && document.querySelectorAll('#counters-list tbody tr').length === `+strconv.Itoa(demoCounters))
		p.do(chromedp.Click(chromedp.CSS("#counter-new")))
		p.waitFor("the counter form", `document.querySelector('#counter-form h3')?.textContent === 'Nowe stanowisko' && document.activeElement === document.querySelector('#counter-form h3')`)
		p.do(
			chromedp.SendKeys(chromedp.CSS(`#counter-form [name=name]`), name),
			chromedp.Click(chromedp.CSS(`#counter-dep-`+itoa(deps[0].ID))),
			chromedp.Click(chromedp.CSS(`#counter-dep-`+itoa(dep.ID))),
		)
		// The matters offered are the chosen department's, none ticked.
		p.waitFor("the department's matters", `[...document.querySelectorAll('#counter-services input[type=checkbox]')].map(i => i.name).sort().join(' ') === `+jsString(strings.Join(boxes, " ")))
		if ticked := p.text(`String(document.querySelectorAll('#counter-services input[type=checkbox]:checked').length)`); ticked != "0" {
			t.Errorf("a new counter starts with %s matters ticked", ticked)
		}
		p.do(chromedp.Click(chromedp.CSS(box(a.ID))), chromedp.Click(chromedp.CSS(box(b.ID))))
		p.waitFor("two matters ticked", `document.querySelector(`+jsString(box(a.ID))+`).checked && document.querySelector(`+jsString(box(b.ID))+`).checked`)
		p.do(chromedp.Click(chromedp.CSS(save)))
		p.waitFor("the counter listed", `document.getElementById('notice').textContent === 'Utworzono.' && document.getElementById('counter-form') === null && `+
			row+` === `+jsString(name+" | "+dep.Name+" | "+a.Name+", "+b.Name))
		c, n := e.storedCounters(name)
		if c == nil || n != demoCounters+1 || c.DepartmentID != dep.ID || !slices.Equal(c.ServiceIDs, []int64{a.ID, b.ID}) {
			t.Fatalf("stored %+v among %d counters, want department %d serving %d and %d", c, n, dep.ID, a.ID, b.ID)
		}

		// Edited: one matter unticked.
		edit := `#counters-list button[aria-label=` + jsString("Edytuj: "+name) + `]`
		p.waitFor("the edit button", `document.querySelector(`+jsString(edit)+`) !== null`)
		p.do(chromedp.Click(chromedp.CSS(edit)))
		p.waitFor("the counter's form", `document.querySelector('#counter-form h3')?.textContent === `+jsString("Stanowisko: "+name)+
			` && document.querySelector('#counter-form [name=name]').value === `+jsString(name)+
			` && [...document.querySelectorAll('#counter-departments input:checked')].map(i => i.id).join(' ') === `+jsString("counter-dep-"+itoa(dep.ID))+
			` && document.querySelector(`+jsString(box(a.ID))+`).checked && document.querySelector(`+jsString(box(b.ID))+`).checked`+
			` && document.querySelectorAll('#counter-services input[type=checkbox]:checked').length === 2`)
		p.do(chromedp.Click(chromedp.CSS(box(a.ID))))
		p.waitFor("one matter unticked", `!document.querySelector(`+jsString(box(a.ID))+`).checked && document.querySelector(`+jsString(box(b.ID))+`).checked`)
		p.do(chromedp.Click(chromedp.CSS(save)))
		p.waitFor("the counter saved", `document.getElementById('notice').textContent === 'Zapisano.' && document.getElementById('counter-form') === null && `+
			row+` === `+jsString(name+" | "+dep.Name+" | "+b.Name))
		c, n = e.storedCounters(name)
		if c == nil || n != demoCounters+1 || c.DepartmentID != dep.ID || !slices.Equal(c.ServiceIDs, []int64{b.ID}) {
			t.Fatalf("after the edit stored %+v among %d counters, want it serving only %d", c, n, b.ID)
		}
		id := c.ID

		// Deleted, once confirmed.
		del := `#counters-list button[aria-label=` + jsString("Usuń: "+name) + `]`
		p.waitFor("the delete button", `document.querySelector(`+jsString(del)+`) !== null`)
		p.do(chromedp.Click(chromedp.CSS(del)))
		p.waitFor("the confirmation", `document.getElementById('confirm-dialog').open && document.getElementById('confirm-text').textContent === `+
			jsString("Usunąć „"+name+"”? Tego nie można cofnąć.")+` && document.getElementById('confirm-yes').textContent === 'Usuń'`)
		p.do(chromedp.Click(chromedp.CSS("#confirm-no")))
		p.waitFor("the confirmation declined", `!document.getElementById('confirm-dialog').open && document.activeElement === document.querySelector(`+jsString(del)+`)`)
		if c, _ := e.storedCounters(name); c == nil {
			t.Fatal("declining deleted the counter")
		}
		p.do(chromedp.Click(chromedp.CSS(del)))
		p.waitFor("the confirmation again", `document.getElementById('confirm-dialog').open`)
		p.do(chromedp.Click(chromedp.CSS("#confirm-yes")))
		p.waitFor("the counter gone", `!document.getElementById('confirm-dialog').open && document.getElementById('notice').textContent === 'Usunięto.' && `+
			row+` === '' && document.querySelectorAll('#counters-list tbody tr').length === `+strconv.Itoa(demoCounters))
		if c, n := e.storedCounters(name); c != nil || n != demoCounters {
			t.Fatalf("after deleting: %+v among %d counters, want none of %d", c, n, demoCounters)
		}
		var links int64
		if err := db.Table("counter_services").Where("counter_id = ?", id).Count(&links).Error; err != nil || links != 0 {
			t.Fatalf("%d services still linked to the deleted counter (%v)", links, err)
		}
		if alert := p.text(`document.getElementById('alert').textContent`); alert != "" {
			t.Errorf("the page shows the error %q", alert)
		}
	})
}
