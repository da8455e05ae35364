package escpos

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/okienko/okienko"
)

// Ticket is what a queue ticket shows.
type Ticket struct {
	Office, Department, Service string
	// Then are the further matters of a visit of several, in order,
	// printed under Service each as "+ name".
	Then                     []string
	Number                   string    // e.g. "D017"
	Issued                   time.Time // printed in Loc as "23.11.2026 10:15"
	Loc                      *time.Location
	PeopleAhead, WaitMinutes int
	StatusURL                string // encoded in the QR code; none when empty
	Note                     string
	// Lang is the language of the labels: pl (default), en or uk. Neither
	// code table has Cyrillic, so Ukrainian (labels and any Cyrillic text)
	// prints in Latin letters by the Ukrainian national transliteration
	// (Cabinet of Ministers resolution 55 of 2010): "Ваш номер" is "Vash
	// nomer".
	Lang string
	// Reprinted, when set, makes the ticket a duplicate printed at that
	// time: marked DUPLIKAT at the top, with Issued as the issue time and
	// this as the reprint's. PeopleAhead and WaitMinutes are then the
	// current ones.
	Reprinted time.Time
}

// maxNumberScale is the largest GS ! multiplier the ticket number is printed with.
const maxNumberScale = 3

// Render returns the ESC/POS bytes of the ticket for the profile: the office
// name (bold, double height), department and service word-wrapped (and a
// visit's further matters under it, each "+ name"), "your
// number" and the number big (the largest of triple, double or single size
// that fits the paper), the date and time, the people ahead and the estimated
// wait, the QR code of the status URL (native or raster per profile) with a
// caption, the note, then feed and cut. A reprint (Reprinted set) starts
// with the duplicate mark (DUPLIKAT, bold, double size) and gives the issue
// time and the reprint's time on two labelled lines instead of the date and
// time. Every line is centred. It returns
// EINVALID naming the profile's fields, number, issued, lang, or qr when the
// status URL does not fit a QR code on the paper.
func Render(p Profile, t Ticket) ([]byte, error) {
	e, err := NewEncoder(p)
	if err != nil {
		return nil, err
	}
	l, ok := ticketLabels[t.Lang]
	fe := okienko.FieldErrors{}
	if !ok {
		fe.Add("lang", "must be pl, en or uk")
	}
	number := strings.Join(strings.Fields(transliterate(t.Number, e.t.printable)), " ")
	n := utf8.RuneCountInString(number)
	switch {
	case n == 0:
		fe.Add("number", "is required")
	case n > p.Columns:
		fe.Add("number", "does not fit on the paper")
	}
	if t.Issued.IsZero() {
		fe.Add("issued", "is required")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	issued := t.Issued
	if t.Loc != nil {
		issued = issued.In(t.Loc)
	}
	wrapped := func(s string) {
		for _, line := range wrapWith(s, p.Columns, e.t.printable) {
			e.Line(line)
		}
	}

	e.Init().Align(AlignCenter)
	if !t.Reprinted.IsZero() {
		e.Bold(true).Size(2, 2)
		for _, line := range wrapWith(l.duplicate, p.Columns/2, e.t.printable) {
			e.Line(line)
		}
		e.Size(1, 1).Bold(false)
		e.Feed(1)
	}
	if t.Office != "" {
		e.Bold(true).Size(1, 2)
		wrapped(t.Office)
		e.Size(1, 1).Bold(false)
	}
	wrapped(t.Department)
	wrapped(t.Service)
	for _, m := range t.Then {
		wrapped("+ " + m)
	}
	e.Feed(1)

	wrapped(l.yourNumber)
	scale := maxNumberScale
	for scale > 1 && n*scale > p.Columns {
		scale--
	}
	e.Bold(true).Size(scale, scale).Line(number).Size(1, 1).Bold(false)
	e.Feed(1)

	if t.Reprinted.IsZero() {
		wrapped(issued.Format("02.01.2006 15:04"))
	} else {
		reprinted := t.Reprinted
		if t.Loc != nil {
			reprinted = reprinted.In(t.Loc)
		}
		wrapped(l.issued + " " + issued.Format("02.01.2006\u00a015:04"))
		wrapped(l.reprinted + " " + reprinted.Format("02.01.2006\u00a015:04"))
	}
	ahead := l.ahead(max(t.PeopleAhead, 0))
	if t.WaitMinutes > 0 {
		ahead += " · " + l.wait(t.WaitMinutes)
	}
	wrapped(ahead)

	if t.StatusURL != "" {
		e.Feed(1)
		if err := e.QR(t.StatusURL, qrModuleSize(p), 'M'); err != nil {
			return nil, err
		}
		e.Feed(1) // a quiet zone under the symbol
		wrapped(l.scan)
	}
	if t.Note != "" {
		e.Feed(1)
		wrapped(t.Note)
	}
	e.Cut(lineDots)
	return e.Bytes(), nil
}

// qrModuleSize is the ticket's QR module width: 6 dots on 80 mm, 4 on 58 mm.
func qrModuleSize(p Profile) int { return clamp(p.Dots/96, 3, 8) }

// labels are the fixed words of a ticket in one language. No-break spaces
// keep "3 osoby" and "ok. 12 min" on one line; they print as spaces.
type labels struct {
	yourNumber string
	scan       string
	duplicate  string // the mark of a reprint
	issued     string // "issued:" before the issue time of a reprint
	reprinted  string // "reprinted:" before its own time
	ahead      func(n int) string
	wait       func(minutes int) string
}

var ticketLabels = map[string]labels{
	"": polishLabels, "pl": polishLabels,
	"en": {
		yourNumber: "Your number",
		scan:       "Scan the code to follow the queue",
		duplicate:  "DUPLICATE",
		issued:     "Issued:",
		reprinted:  "Reprinted:",
		ahead: func(n int) string {
			if n == 1 {
				return "Ahead of you: 1\u00a0person"
			}
			return fmt.Sprintf("Ahead of you: %d\u00a0people", n)
		},
		wait: func(m int) string { return fmt.Sprintf("approx.\u00a0%d\u00a0min", m) },
	},
	"uk": {
		yourNumber: "Ваш номер",
		scan:       "Скануйте код, щоб стежити за чергою",
		duplicate:  "ДУБЛІКАТ",
		issued:     "Видано:",
		reprinted:  "Дублікат:",
		ahead: func(n int) string {
			return fmt.Sprintf("Перед вами: %d\u00a0%s", n, UkrainianPlural(n, "особа", "особи", "осіб"))
		},
		wait: func(m int) string { return fmt.Sprintf("бл.\u00a0%d\u00a0хв", m) },
	},
}

var polishLabels = labels{
	yourNumber: "Twój numer",
	scan:       "Zeskanuj kod, aby śledzić kolejkę",
	duplicate:  "DUPLIKAT",
	issued:     "Wydano:",
	reprinted:  "Duplikat:",
	ahead: func(n int) string {
		return fmt.Sprintf("Przed Tobą: %d\u00a0%s", n, PolishPlural(n, "osoba", "osoby", "osób"))
	},
	wait: func(m int) string { return fmt.Sprintf("ok.\u00a0%d\u00a0min", m) },
}

// PolishPlural returns the form of a Polish noun for n: one for 1, few for
// numbers ending in 2–4 except 12–14 (2, 3, 4, 22, 23, 24, 102…), many for
// everything else (0, 5–21, 25…, 111–114).
func PolishPlural(n int, one, few, many string) string {
	if n < 0 {
		n = -n
	}
	switch {
	case n == 1:
		return one
	case n%10 >= 2 && n%10 <= 4 && (n%100 < 12 || n%100 > 14):
		return few
	}
	return many
}

// UkrainianPlural returns the form of a Ukrainian noun for n: one for numbers
// ending in 1 except 11 (1, 21, 101), few for numbers ending in 2–4 except
// 12–14, many for everything else.
func UkrainianPlural(n int, one, few, many string) string {
	if n < 0 {
		n = -n
	}
	switch {
	case n%10 == 1 && n%100 != 11:
		return one
	case n%10 >= 2 && n%10 <= 4 && (n%100 < 12 || n%100 > 14):
		return few
	}
	return many
}
