package notify_test

import (
	"context"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/kiosk"
	"github.com/okienko/okienko/notify"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/officetest"
)

// The printer alert names the kiosk, the problem and its time in each
// language; it goes to the office's address as it is when sent, and not at
// all once the office has none or the kiosk is gone.
func TestComposePrinterAlert(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		week := officetest.Anchor(t)
		clock := okienko.NewManualClock(week.At(0, 7, 52))
		offices, _, _ := officetest.New(t, db, clock, nil)
		setAlerts := func(to string) {
			t.Helper()
			if _, err := offices.UpdateSettings(ctx, func(s *office.Settings) error { s.AlertsEmail = to; return nil }); err != nil {
				t.Fatal(err)
			}
		}
		setAlerts("sekretariat@urzad.example.pl")
		off, _ := offices.Office(ctx)
		kiosks := kiosk.NewStore(db, clock)
		spec := kiosk.DefaultSpec()
		spec.Name, spec.Printer.URI = "Hol główny", "tcp://192.0.2.7:9100"
		k, err := kiosks.Create(ctx, off.ID, spec)
		if err != nil {
			t.Fatal(err)
		}
		if err := kiosks.SetPrinterState(ctx, k.ID, "cover_open"); err != nil {
			t.Fatal(err)
		}
		var m outbox.Message
		if err := db.Where("kind = ?", outbox.PrinterAlert).Take(&m).Error; err != nil {
			t.Fatal(err)
		}
		setAlerts("informatyk@urzad.example.pl") // changed after queueing: the new address gets it
		c := &notify.Messages{DB: db, Clock: clock, Offices: offices, BaseURL: "http://okienko.test"}
		for lang, want := range map[string][]string{
			"pl": {"Biletomat „Hol główny”: otwarta pokrywa", "godz. 07:52"},
			"en": {"Kiosk \"Hol główny\": cover open", "at 07:52"},
			"uk": {"Термінал «Hol główny»: відкрита кришка", "07:52"},
		} {
			m.Lang = lang
			out, err := c.Compose(ctx, &m)
			if err != nil {
				t.Fatalf("%s: %v", lang, err)
			}
			if out.To != "informatyk@urzad.example.pl" || out.Subject != want[0] || !strings.Contains(out.Text, want[1]) || strings.Contains(out.Text, "{{") {
				t.Errorf("%s: to %s, %q\n%s", lang, out.To, out.Subject, out.Text)
			}
		}
		setAlerts("")
		if _, err := c.Compose(ctx, &m); !notify.IsPermanent(err) {
			t.Fatalf("no address any more: %v, want a permanent failure", err)
		}
		setAlerts("sekretariat@urzad.example.pl")
		if err := kiosks.Delete(ctx, k.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Compose(ctx, &m); !notify.IsPermanent(err) {
			t.Fatalf("kiosk gone: %v, want a permanent failure", err)
		}
	})
}
