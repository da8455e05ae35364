package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/event"
	"github.com/okienko/okienko/notify"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/web"
)

// nothingToCompose fails any e-mail or SMS: the webhook test sends none.
type nothingToCompose struct{}

func (nothingToCompose) Compose(context.Context, *outbox.Message) (*notify.Outgoing, error) {
	return nil, notify.Permanent(fmt.Errorf("not in this test"))
}

// The "Webhooki" section in Polish and English, with axe: the endpoints
// with the one a 410 switched off told above the sections, the deliveries
// of an endpoint with the receiver's answers and "Wyślij ponownie", and a
// new endpoint refused for its address, then created with a generated
// secret shown once.
func TestBrowserAdminWebhooks(t *testing.T) {
	db := databasetest.SQLite(t)
	// The receiver listens on 127.0.0.1: internal addresses allowed.
	e := newEnvTuned(t, db, generous, func(d *web.Deps) {
		d.Webhooks = &notify.Webhooks{DB: db, Clock: d.Clock, AllowPrivate: true}
	})
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("busy"))
	}))
	defer receiver.Close()
	auth := bearer(e.adminToken())
	var ep notify.Webhook
	resp, body := e.do("POST", "/api/v1/admin/webhooks", map[string]any{"url": receiver.URL + "/in", "events": []string{"ticket.called"},
		"secret": "a-long-enough-secret-1"}, auth...)
	if resp.StatusCode != 201 || json.Unmarshal(body, &ep) != nil {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	if resp, body = e.do("POST", "/api/v1/admin/webhooks", map[string]any{"url": "https://gone.example/in", "events": []string{"pickup.ready"}}, auth...); resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	e.db.Table("webhooks").Where("url = ?", "https://gone.example/in").
		Updates(map[string]any{"active": false, "disabled_reason": notify.GoneReason, "disabled_at": e.clock.Now()})
	err := e.db.Transaction(func(tx *gorm.DB) error {
		return event.Record(t.Context(), tx, e.clock.Now(), "ticket.called", "ticket", 7, map[string]any{"number": "A007"})
	})
	if err != nil {
		t.Fatal(err)
	}
	w := &notify.Worker{DB: e.db, Clock: e.clock, Email: notify.LogSender{}, SMS: notify.LogSender{}, Compose: nothingToCompose{}, AllowPrivate: true}
	if _, err := w.RunOnce(t.Context()); err != nil {
		t.Fatal(err)
	}

	p := adminSignInAt(t, e, "pl", "#webhooki", desktop.width, desktop.height)
	p.waitFor("the endpoints", `document.querySelectorAll('#webhooks-list tbody tr').length === 2`)
	p.waitFor("the gone notice", `!document.getElementById('webhooks-gone').hidden && document.getElementById('webhooks-gone-list').textContent.includes('https://gone.example/in')`)
	p.axeAt("webhooks (pl)", desktop, phone)
	p.do(chromedp.EmulateViewport(int64(desktop.width), int64(desktop.height)))

	p.do(chromedp.Click(chromedp.CSS(`#webhooks-list button[aria-label=` + jsString("Wysyłki: "+ep.URL) + `]`)))
	p.waitFor("the deliveries", `(r => r && r.cells[1].textContent === 'bilet wywołany' && r.cells[3].textContent === 'czeka' && r.cells[4].textContent.includes('500') && r.cells[4].textContent.includes('busy'))(document.querySelector('#webhook-deliveries tbody tr'))`)
	p.axeAt("webhook deliveries (pl)", desktop)
	p.do(chromedp.Click(chromedp.CSS(`#webhook-deliveries button.redeliver`)))
	p.waitFor("sent again", `document.getElementById('notice').textContent === 'Zdarzenie czeka na ponowną wysyłkę.' && document.querySelectorAll('#webhook-deliveries tbody tr').length === 2`)

	p.do(chromedp.Click(chromedp.CSS(`#webhook-new`)))
	p.waitFor("the form", `!!document.querySelector('#webhook-form')`)
	p.do(chromedp.Evaluate[chromedp.Void](`(() => {
		const f = document.getElementById('webhook-form');
		f.querySelector('[name=url]').value = 'ftp://dms.example/in';
		f.querySelector('[name="ev:booking.created"]').checked = true;
		f.querySelector('#webhook-save').click();
	})()`))
	p.waitFor("the address refused", `(i => i.getAttribute('aria-invalid') === 'true' && document.getElementById(i.getAttribute('aria-describedby')).textContent === 'Adres musi zaczynać się od http:// albo https://.')(document.querySelector('#webhook-form [name=url]'))`)
	p.axeAt("webhook form with an error (pl)", desktop)
	p.do(chromedp.Evaluate[chromedp.Void](`(() => {
		const f = document.getElementById('webhook-form');
		f.querySelector('[name=url]').value = 'https://dms.example/in';
		f.querySelector('#webhook-save').click();
	})()`))
	p.waitFor("the secret shown once", `!document.getElementById('webhook-secret').hidden && document.getElementById('webhook-secret-value').value.length === 64 && document.querySelectorAll('#webhooks-list tbody tr').length === 3`)
	p.axeAt("webhook secret (pl)", desktop)
	var n int64
	e.db.Table("webhooks").Where("url = ?", "https://dms.example/in").Count(&n)
	if n != 1 {
		t.Fatalf("%d endpoints at https://dms.example/in, want 1", n)
	}

	p.do(chromedp.Navigate(p.text(`location.origin`) + "/admin?lang=en#webhooki"))
	p.waitFor("the endpoints in English", `document.getElementById('webhooks-heading').textContent === 'Webhooks' && document.querySelectorAll('#webhooks-list tbody tr').length === 3 && !document.getElementById('webhooks-gone').hidden`)
	if got := p.text(`document.getElementById('webhooks-gone-list').textContent`); !containsAll(got, "switched off", "410 Gone") {
		t.Errorf("the gone notice in English: %q", got)
	}
	p.axeAt("webhooks (en)", desktop)
}
