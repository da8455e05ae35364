package notify

import (
	"context"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/booking/calendartest"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/notify/outbox"
)

// closureReason is an administrator's reason for a closure, in Polish and
// Ukrainian, with characters that TEXT escapes.
const closureReason = "Awaria ogrzewania; budynek zamknięty, przepraszamy / Аварія опалення, вибачте"

// sentByKind runs the worker once and returns what it gave the e-mail and SMS
// senders, by message kind.
func sentByKind(t *testing.T, f *fixture) (email, sms map[string]*Outgoing) {
	t.Helper()
	mails, texts := &recorder{}, &recorder{}
	if _, err := f.worker(mails, texts).RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	email, sms = map[string]*Outgoing{}, map[string]*Outgoing{}
	for _, r := range []struct {
		rec *recorder
		out map[string]*Outgoing
	}{{mails, email}, {texts, sms}} {
		for _, m := range r.rec.sent {
			var msg outbox.Message
			_, key, _ := strings.Cut(m.Key, "-") // after the installation's id
			if err := f.db.Where("key = ?", key).Take(&msg).Error; err != nil {
				t.Fatal(err)
			}
			r.out[msg.Kind] = m
		}
	}
	return email, sms
}

// calendarOf returns m's one .ics attachment, checked strictly and parsed.
func calendarOf(t *testing.T, m *Outgoing) (contentType string, cal *ics.Calendar, ev *ics.VEvent) {
	t.Helper()
	var files []File
	for _, a := range m.Attachments {
		if strings.HasSuffix(a.Name, ".ics") {
			files = append(files, a)
		}
	}
	if len(files) != 1 {
		t.Fatalf("%q has %d .ics attachments, want 1", m.Subject, len(files))
	}
	cal, ev = calendartest.Parse(t, files[0].Data)
	return files[0].ContentType, cal, ev
}

// A booking's confirmation publishes its event and its cancellation (by the
// office, the resident or for lateness) cancels the same event: one UID,
// a higher SEQUENCE. The office's cancellation gives the closure's reason
// in the e-mail and the SMS, in every language, and reads naturally with an
// office whose name begins with "Urząd".
func TestCancellationMessages(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		f.sms = SMSLimits{Parts: 3} // room for the reason, in Unicode
		ctx := context.Background()
		says := map[string][]string{
			"pl": {"Urząd Testowy odwołuje Twoją wizytę.\nPowód: " + closureReason},
			"en": {"Urząd Testowy has cancelled your visit.\nReason: " + closureReason},
			"uk": {"Urząd Testowy скасовує ваш візит.\nПричина: " + closureReason},
		}
		for i, lang := range []string{"pl", "en", "uk"} {
			b := f.bookAt(t, lang, "600100200", f.week.At(1, 9+i, 0), pesels[i])
			confirmation, _ := sentByKind(t, f)
			ct, cal, ev := calendarOf(t, confirmation[outbox.Confirmation])
			uid := booking.CalendarUID(b, "https://urzad.example")
			if ct != "text/calendar; charset=utf-8; method=PUBLISH" {
				t.Errorf("%s: confirmation's .ics is %q", lang, ct)
			}
			calendartest.Expect(t, cal, ev, "PUBLISH", "CONFIRMED", uid, 0)

			if _, err := f.bookings.Cancel(ctx, b.ID, booking.ReasonClosure, closureReason); err != nil {
				t.Fatal(err)
			}
			email, sms := sentByKind(t, f)
			m := email[outbox.Cancellation]
			if m == nil || sms[outbox.Cancellation] == nil {
				t.Fatalf("%s: no cancellation sent: %v %v", lang, email, sms)
			}
			for _, want := range says[lang] {
				if !strings.Contains(m.Text, want) {
					t.Errorf("%s: the e-mail lacks %q:\n%s", lang, want, m.Text)
				}
			}
			if strings.Contains(m.Text, "Urząd Urząd") || strings.Contains(m.HTML, "Urząd Urząd") {
				t.Errorf("%s: the e-mail says Urząd twice:\n%s", lang, m.Text)
			}
			if !strings.Contains(m.HTML, "Аварія опалення") {
				t.Errorf("%s: the HTML part lacks the reason", lang)
			}
			if !strings.Contains(sms[outbox.Cancellation].Text, closureReason) {
				t.Errorf("%s: the SMS in 3 parts lacks the reason: %q", lang, sms[outbox.Cancellation].Text)
			}
			ct, cal, ev = calendarOf(t, m)
			if ct != "text/calendar; charset=utf-8; method=CANCEL" {
				t.Errorf("%s: cancellation's .ics is %q", lang, ct)
			}
			calendartest.Expect(t, cal, ev, "CANCEL", "CANCELLED", uid, 1)
			if desc := calendartest.Value(ev, ics.ComponentPropertyDescription); !strings.Contains(desc, closureReason) {
				t.Errorf("%s: the .ics description lacks the reason: %q", lang, desc)
			}
		}

		// The resident's own cancellation names no office and no reason.
		b := f.bookAt(t, "pl", "", f.week.At(2, 9, 0), pesels[3])
		sentByKind(t, f)
		if _, err := f.bookings.CancelByCode(ctx, b.Code, pesels[3]); err != nil {
			t.Fatal(err)
		}
		email, _ := sentByKind(t, f)
		m := email[outbox.Cancellation]
		if m == nil || !strings.Contains(m.Text, "Twoja wizyta została odwołana.") || strings.Contains(m.Text, "Powód") {
			t.Fatalf("the resident's cancellation: %+v", m)
		}
		ct, cal, ev := calendarOf(t, m)
		if ct != "text/calendar; charset=utf-8; method=CANCEL" {
			t.Errorf("resident: .ics is %q", ct)
		}
		calendartest.Expect(t, cal, ev, "CANCEL", "CANCELLED", booking.CalendarUID(b, "https://urzad.example"), 1)

		// Not checked in on time: cancellation_late cancels the event too.
		late := f.bookAt(t, "en", "", f.week.At(3, 9, 0), pesels[4])
		sentByKind(t, f)
		f.clock.Set(f.week.At(3, 12, 0))
		if n, err := f.bookings.CancelLate(ctx); err != nil || n != 1 {
			t.Fatalf("CancelLate: %d, %v", n, err)
		}
		email, _ = sentByKind(t, f)
		if email[outbox.CancellationLate] == nil {
			t.Fatalf("no cancellation_late sent: %v", email)
		}
		ct, cal, ev = calendarOf(t, email[outbox.CancellationLate])
		if ct != "text/calendar; charset=utf-8; method=CANCEL" {
			t.Errorf("late: .ics is %q", ct)
		}
		calendartest.Expect(t, cal, ev, "CANCEL", "CANCELLED", booking.CalendarUID(late, "https://urzad.example"), 1)
	})
}

// pesels are valid PESEL numbers for bookings that must not collide on the
// per-person limits.
var pesels = []string{"44051401359", "02070803628", "90090515836", "85021512343", "80010112340"}

// bookAt books the service at start for a PESEL of pesels.
func (f *fixture) bookAt(t *testing.T, lang, phone string, start time.Time, pesel string) *booking.Booking {
	t.Helper()
	b, err := f.bookings.Book(context.Background(), booking.Request{
		ServiceID: f.svc.ID, Start: start, Name: "Зоряна Żółkiewska",
		PESEL: pesel, Email: "zoriana@example.pl", Phone: phone, Consent: true, Lang: lang,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The cancellation of a Ukrainian resident's visit by a closure goes over
// SMTP with its .ics as text/calendar with charset=utf-8 and method=CANCEL;
// read by those parameters, the text part and the .ics give the Polish and
// Ukrainian letters back.
func TestSMTPCancellationCharset(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		b := f.bookAt(t, "uk", "", f.week.At(1, 10, 0), pesels[0])
		sentByKind(t, f)
		if _, err := f.bookings.Cancel(context.Background(), b.ID, booking.ReasonClosure, closureReason); err != nil {
			t.Fatal(err)
		}
		_, msg := sendOneOverSMTP(t, f)
		var parts []part
		walk(t, mail.Header(msg.Header), msg.Body, &parts)
		texts := map[string]string{}
		for _, p := range parts {
			_, params, err := mime.ParseMediaType(p.header.Get("Content-Type"))
			if err != nil {
				t.Fatal(err)
			}
			if p.typ == "text/calendar" && params["method"] != "CANCEL" {
				t.Errorf("the .ics part's method parameter is %q: %s", params["method"], p.header.Get("Content-Type"))
			}
			if !strings.HasPrefix(p.typ, "text/") {
				continue
			}
			// A strict reader decodes text by its charset parameter only.
			if cs := strings.ToLower(params["charset"]); cs != "utf-8" {
				t.Errorf("%s part has charset %q: %s", p.typ, params["charset"], p.header.Get("Content-Type"))
				continue
			}
			if !utf8.Valid(p.body) {
				t.Errorf("%s part is not UTF-8", p.typ)
			}
			texts[p.typ] = string(p.body)
		}
		for _, want := range []string{"Urząd Testowy скасовує ваш візит.", "Причина: " + closureReason, "Wniosek o dowód osobisty"} {
			if !strings.Contains(texts["text/plain"], want) {
				t.Errorf("the text part lacks %q:\n%s", want, texts["text/plain"])
			}
		}
		cal, ev := calendartest.Parse(t, []byte(texts["text/calendar"]))
		calendartest.Expect(t, cal, ev, "CANCEL", "CANCELLED", booking.CalendarUID(b, "https://urzad.example"), 1)
		if got := calendartest.Value(ev, ics.ComponentPropertySummary); got != "Urząd Testowy: Wniosek o dowód osobisty" {
			t.Errorf("SUMMARY %q", got)
		}
		if desc := calendartest.Value(ev, ics.ComponentPropertyDescription); !strings.Contains(desc, closureReason) {
			t.Errorf("DESCRIPTION lacks the reason: %q", desc)
		}
	})
}

// A move's confirmation says the new and the old time in the resident's
// language, by e-mail and SMS, with the .ics of the same UID at the next
// SEQUENCE; a second move's at the one after.
func TestRescheduleMessages(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		says := map[string][]string{
			"pl": {"Termin Twojej wizyty został zmieniony.", "Poprzedni termin: %s, godz. 09:00", "Nowy termin: %s, godz. 11:30", "Kod potwierdzenia (bez zmian): "},
			"en": {"the time of your visit to Urząd Testowy has been changed.", "Previous time: %s at 09:00", "New time: %s at 11:30", "Confirmation code (unchanged): "},
			"uk": {"Час вашого візиту змінено.", "Попередній час: %s, о 09:00", "Новий час: %s, о 11:30", "Код підтвердження (без змін): "},
		}
		for i, lang := range []string{"pl", "en", "uk"} {
			b := f.bookAt(t, lang, "600100200", f.week.At(1+i, 9, 0), pesels[i])
			sentByKind(t, f)
			uid := booking.CalendarUID(b, "https://urzad.example")
			for seq := 1; seq <= 2; seq++ {
				start := f.week.At(1+i, 11, 30)
				if seq == 2 {
					start = f.week.At(1+i, 9, 0)
				}
				if _, err := f.bookings.Reschedule(ctx, b.Code, pesels[i], start); err != nil {
					t.Fatal(err)
				}
				email, sms := sentByKind(t, f)
				m := email[outbox.Confirmation]
				if m == nil || sms[outbox.Confirmation] == nil {
					t.Fatalf("%s: the move's messages were not sent: %v %v", lang, email, sms)
				}
				ct, cal, ev := calendarOf(t, m)
				if ct != "text/calendar; charset=utf-8; method=PUBLISH" {
					t.Errorf("%s: the move's .ics is %q", lang, ct)
				}
				calendartest.Expect(t, cal, ev, "PUBLISH", "CONFIRMED", uid, seq)
				if got := calendartest.Value(ev, ics.ComponentPropertyDtStart); got != start.UTC().Format("20060102T150405Z") {
					t.Errorf("%s: DTSTART %s, want %v", lang, got, start)
				}
				if seq == 2 {
					continue
				}
				date := f.week.Date(1 + i)
				for _, want := range says[lang] {
					if strings.Contains(want, "%s") {
						want = fmt.Sprintf(want, date)
					}
					if !strings.Contains(m.Text, want) {
						t.Errorf("%s: the e-mail lacks %q:\n%s", lang, want, m.Text)
					}
				}
				if !strings.Contains(m.Text, booking.FormatCode(b.Code)) || !strings.Contains(sms[outbox.Confirmation].Text, "11:30") {
					t.Errorf("%s: e-mail %q, SMS %q", lang, m.Text, sms[outbox.Confirmation].Text)
				}
			}
		}
	})
}
