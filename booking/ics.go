package booking

import (
	"bytes"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/okienko/okienko/office"
)

// Calendar methods (RFC 5546): a booking's calendar file publishes its visit
// while the booking lives and cancels it once the booking is cancelled.
const (
	MethodPublish = "PUBLISH"
	MethodCancel  = "CANCEL"
)

// CalendarMethod is the METHOD of b's calendar file: CANCEL for a cancelled
// booking (by the resident, the office or for lateness), PUBLISH otherwise.
func CalendarMethod(b *Booking) string {
	if b.Status == StatusCancelled || b.Status == StatusCancelledLate {
		return MethodCancel
	}
	return MethodPublish
}

// CalendarContentType is the MIME type of b's calendar file as an e-mail
// part: text/calendar with the UTF-8 charset and the file's method.
func CalendarContentType(b *Booking) string {
	return "text/calendar; charset=utf-8; method=" + CalendarMethod(b)
}

// CalendarUID is the event's UID, the same in every file about b and
// unique per installation: "booking-ID-CODE@host", host from baseURL
// ("okienko" when baseURL has none).
func CalendarUID(b *Booking, baseURL string) string {
	host := ""
	if u, err := url.Parse(baseURL); err == nil {
		host = strings.ToLower(u.Hostname())
	}
	if host == "" {
		host = "okienko"
	}
	return "booking-" + strconv.FormatInt(b.ID, 10) + "-" + b.Code + "@" + host
}

// Calendar returns b as an iCalendar file (RFC 5545) with one event: lines
// end with CRLF and are folded at 75 octets, never inside a UTF-8
// character; texts are escaped. The event's UID is CalendarUID, DTSTAMP is
// now in UTC, the office is its location and the description gives the
// matter, the department, the confirmation code and, when manageURL is set,
// the booking's page. A live booking's file is METHOD:PUBLISH with SEQUENCE
// b.Moves (0 until it is moved; each move raises it, so calendars take the
// new time over the old) and STATUS:CONFIRMED; a cancelled one's is
// METHOD:CANCEL with SEQUENCE b.Moves+1 and STATUS:CANCELLED, so calendars
// that imported the visit drop it. Callers fill b.Moves (Store.Moves).
// The texts are in the language the resident booked in (b.Lang, Polish for
// an unknown one), with the matter's and department's names in it where the
// office wrote them, else in Polish.
//
// For a visit of several matters (b.Items filled), matters are their
// services in b.Items' order: the event spans them all and names each
// with its time.
func Calendar(b *Booking, svc *office.Service, dep *office.Department, off *office.Office, baseURL, manageURL string, now time.Time, matters ...*office.Service) []byte {
	visit := len(b.Items) > 1 && len(matters) == len(b.Items)
	var w calendarWriter
	method := CalendarMethod(b)
	w.line("BEGIN", "VCALENDAR")
	w.line("VERSION", "2.0")
	w.line("PRODID", "-//Okienko//Rezerwacje//PL")
	w.line("CALSCALE", "GREGORIAN")
	w.line("METHOD", method)
	w.line("BEGIN", "VEVENT")
	w.line("UID", CalendarUID(b, baseURL))
	w.line("DTSTAMP", utcStamp(now))
	w.line("DTSTART", utcStamp(b.StartsAt))
	end := b.EndsAt
	if visit {
		end = b.Items[len(b.Items)-1].EndsAt
	}
	w.line("DTEND", utcStamp(end))
	seq, status := b.Moves, "CONFIRMED"
	if method == MethodCancel {
		seq, status = b.Moves+1, "CANCELLED"
	}
	w.line("SEQUENCE", strconv.Itoa(seq))
	w.line("STATUS", status)
	words := calendarTexts[b.Lang]
	if words == nil {
		words = calendarTexts["pl"]
	}
	summary := svc.NameIn(b.Lang)
	if visit {
		summary = MatterNames(matters, b.Lang)
	}
	w.text("SUMMARY", off.Name+": "+summary)
	loc := off.Name
	if off.Address != "" {
		loc += ", " + off.Address
	}
	w.text("LOCATION", loc)
	var desc []string
	if method == MethodCancel {
		line := words.cancelled
		if b.CancelledByOffice() {
			line = words.cancelledByOffice
			if b.CancelNote != "" {
				line = strings.TrimSuffix(words.cancelledByOffice, ".") + ": " + b.CancelNote
			}
		}
		desc = append(desc, line)
	}
	if visit {
		for i, it := range b.Items {
			desc = append(desc, words.matter+ItemTime(it, off.Location())+" "+matters[i].NameIn(b.Lang))
		}
	} else {
		desc = append(desc, words.matter+svc.NameIn(b.Lang))
	}
	desc = append(desc,
		words.department+dep.NameIn(b.Lang),
		words.code+FormatCode(b.Code),
	)
	if method == MethodPublish {
		desc = append(desc, fmt.Sprintf(words.checkin, svc.CheckinEarlyMinutes, svc.CheckinGraceMinutes))
	}
	if manageURL != "" {
		desc = append(desc, words.booking+manageURL)
	}
	w.text("DESCRIPTION", strings.Join(desc, "\n"))
	if manageURL != "" {
		w.line("URL", manageURL)
	}
	w.line("TRANSP", "OPAQUE")
	w.line("END", "VEVENT")
	w.line("END", "VCALENDAR")
	return w.buf.Bytes()
}

// MatterNames is the names of the matters of a visit in lang, joined by
// " + ".
func MatterNames(matters []*office.Service, lang string) string {
	names := make([]string, len(matters))
	for i, m := range matters {
		names[i] = m.NameIn(lang)
	}
	return strings.Join(names, " + ")
}

// ItemTime is the time of a matter of a visit on the wall clock of loc,
// "09:00–09:10".
func ItemTime(it Item, loc *time.Location) string {
	return it.StartsAt.In(loc).Format("15:04") + "–" + it.EndsAt.In(loc).Format("15:04")
}

// calendarWords are the words of a calendar file's description in one
// language; checkin takes the minutes before and after the start.
type calendarWords struct {
	cancelled, cancelledByOffice, matter, department, code, checkin, booking string
}

// calendarTexts are the calendar file's words by the booking's language.
var calendarTexts = map[string]*calendarWords{
	"pl": {
		cancelled: "Wizyta odwołana.", cancelledByOffice: "Wizyta odwołana przez urząd.",
		matter: "Sprawa: ", department: "Wydział: ", code: "Kod potwierdzenia: ",
		checkin: "Zgłoś się w biletomacie w holu z tym kodem, najwcześniej %d min przed wizytą, najpóźniej %d min po jej rozpoczęciu.",
		booking: "Rezerwacja: ",
	},
	"en": {
		cancelled: "Visit cancelled.", cancelledByOffice: "Visit cancelled by the office.",
		matter: "Matter: ", department: "Department: ", code: "Confirmation code: ",
		checkin: "Check in at the kiosk in the hall with this code, at the earliest %d min before the visit and at the latest %d min after it starts.",
		booking: "Booking: ",
	},
	"uk": {
		cancelled: "Візит скасовано.", cancelledByOffice: "Візит скасовано установою.",
		matter: "Справа: ", department: "Відділ: ", code: "Код підтвердження: ",
		checkin: "Зареєструйтеся в терміналі в холі з цим кодом не раніше ніж за %d хв до візиту і не пізніше ніж через %d хв після його початку.",
		booking: "Бронювання: ",
	},
}

// utcStamp is t as an RFC 5545 DATE-TIME in UTC ("20060102T150405Z").
func utcStamp(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// calendarWriter writes RFC 5545 content lines.
type calendarWriter struct{ buf bytes.Buffer }

// maxLine is the longest content line RFC 5545 allows, in octets, without
// the CRLF.
const maxLine = 75

// line writes "name:value" CRLF, folded: a line longer than maxLine octets
// continues on lines starting with a space, each cut before a UTF-8
// character so that no character is split.
func (w *calendarWriter) line(name, value string) {
	s := name + ":" + value
	limit := maxLine
	for len(s) > limit {
		cut := limit
		for cut > limit-utf8.UTFMax && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.buf.WriteString(s[:cut])
		w.buf.WriteString("\r\n ")
		s = s[cut:]
		limit = maxLine - 1 // the leading space counts
	}
	w.buf.WriteString(s)
	w.buf.WriteString("\r\n")
}

// text writes a TEXT property: value escaped (backslash, semicolon, comma,
// newlines as \n) and without other control characters, which TEXT forbids.
func (w *calendarWriter) text(name, value string) {
	w.line(name, escapeText(value))
}

func escapeText(s string) string {
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(strings.ToValidUTF8(s, "\uFFFD"))
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == ';':
			b.WriteString(`\;`)
		case r == ',':
			b.WriteString(`\,`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			// dropped: TEXT allows no other control characters
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
