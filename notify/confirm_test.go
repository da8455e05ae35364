package notify

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/office"
)

// A pending booking's resident gets one e-mail asking to confirm within the
// matter's minutes, with the link of the confirming page and no calendar
// file, and no SMS; once confirmed, the usual confirmation goes by e-mail
// (with the .ics) and SMS. A request composed after the booking was
// confirmed fails for good.
func TestConfirmRequestMessages(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		if _, err := f.offices.UpdateService(ctx, f.svc.ID, func(s *office.ServiceSpec) error { s.ConfirmMinutes = 45; return nil }); err != nil {
			t.Fatal(err)
		}
		says := []struct{ lang, want string }{{"pl", "w ciągu 45 min, do godz. 08:45"}, {"en", "within 45 minutes, by 08:45"}, {"uk", "протягом 45 хв, до 08:45"}}
		for i, tc := range says {
			lang, want := tc.lang, tc.want
			b := f.bookAt(t, lang, "600 100 200", f.week.At(1, 10+i, 0), pesels[i])
			email, sms := sentByKind(t, f)
			m := email[outbox.ConfirmRequest]
			if m == nil || len(email) != 1 || len(sms) != 0 {
				t.Fatalf("%s: e-mails %v, SMS %v; want only the request to confirm by e-mail", lang, keys(email), keys(sms))
			}
			link := "https://urzad.example/rezerwacja/" + booking.FormatCode(b.Code) + "/potwierdz?token=" + url.QueryEscape(f.bookings.ConfirmToken(b))
			if !strings.Contains(m.Text, want) || !strings.Contains(m.Text, link) || !strings.Contains(m.HTML, `href="`+link+`"`) {
				t.Errorf("%s: the request says\n%s\nwant %q and the link %s", lang, m.Text, want, link)
			}
			if !strings.Contains(m.Subject, booking.FormatCode(b.Code)) || len(m.Attachments) != 0 || len(m.Inline) != 0 {
				t.Errorf("%s: subject %q, %d attachments, %d inline; want no calendar file nor QR code", lang, m.Subject, len(m.Attachments), len(m.Inline))
			}
			if _, err := f.bookings.Confirm(ctx, b.Code, f.bookings.ConfirmToken(b)); err != nil {
				t.Fatal(err)
			}
			email, sms = sentByKind(t, f)
			if c := email[outbox.Confirmation]; c == nil || len(email) != 1 || sms[outbox.Confirmation] == nil {
				t.Fatalf("%s: after confirming, e-mails %v, SMS %v", lang, keys(email), keys(sms))
			}
			calendarOf(t, email[outbox.Confirmation])
			// The request again, now that the booking is confirmed.
			id := b.ID
			_, err := (&Messages{DB: db, Clock: f.clock, Offices: f.offices, BaseURL: "https://urzad.example", Bookings: f.bookings}).
				Compose(ctx, &outbox.Message{Channel: outbox.Email, Kind: outbox.ConfirmRequest, Lang: lang, BookingID: &id, Data: "{}"})
			if !IsPermanent(err) {
				t.Fatalf("%s: a request to confirm a confirmed booking: %v", lang, err)
			}
		}
	})
}

func keys(m map[string]*Outgoing) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
