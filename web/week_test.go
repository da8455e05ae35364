package web_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/okienko/okienko/office"
)

// dateWords are the words tests expect the pages to write dates with: the
// tests' own copy, so a page that names the wrong day or month fails.
var dateWords = map[string]struct {
	weekdays [7]string  // Sunday first, as time.Weekday counts
	monthsOf [12]string // "24 listopada": the month after a day
	months   [12]string // "Listopad 2026": the month alone
}{
	"pl": {
		[7]string{"niedziela", "poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota"},
		[12]string{"stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września", "października", "listopada", "grudnia"},
		[12]string{"Styczeń", "Luty", "Marzec", "Kwiecień", "Maj", "Czerwiec", "Lipiec", "Sierpień", "Wrzesień", "Październik", "Listopad", "Grudzień"},
	},
	"en": {
		[7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		[12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		[12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	},
	"uk": {
		[7]string{"неділя", "понеділок", "вівторок", "середа", "четвер", "пʼятниця", "субота"},
		[12]string{"січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня", "жовтня", "листопада", "грудня"},
		[12]string{"Січень", "Лютий", "Березень", "Квітень", "Травень", "Червень", "Липень", "Серпень", "Вересень", "Жовтень", "Листопад", "Грудень"},
	},
}

// longDate writes d as the site does in lang: "wtorek, 24 listopada 2026".
func longDate(lang string, d office.Date) string {
	w := dateWords[lang]
	return fmt.Sprintf("%s, %d %s %d", w.weekdays[d.Weekday()], d.Day, w.monthsOf[d.Month-1], d.Year)
}

// dayMonth writes d as Chromium's Intl does in Polish for a weekday, day
// and month: "poniedziałek, 30 listopada".
func dayMonth(d office.Date) string {
	w := dateWords["pl"]
	return fmt.Sprintf("%s, %d %s", w.weekdays[d.Weekday()], d.Day, w.monthsOf[d.Month-1])
}

// monthTitle writes the month of d as the site's calendar captions it in
// lang: "Listopad 2026".
func monthTitle(lang string, d office.Date) string {
	return fmt.Sprintf("%s %d", dateWords[lang].months[d.Month-1], d.Year)
}

// monthParam writes the month of d as ?month= takes it: "2026-11".
func monthParam(d office.Date) string { return d.String()[:7] }

// nextMonth returns the first day of the month after d's.
func nextMonth(d office.Date) office.Date {
	return office.DateOf(time.Date(d.Year, d.Month+1, 1, 0, 0, 0, 0, time.UTC))
}

// lowerFirst lowers the first letter: Chromium writes "listopad 2026" where
// the site writes "Listopad 2026".
func lowerFirst(s string) string {
	for i := range s {
		if i > 0 {
			return strings.ToLower(s[:i]) + s[i:]
		}
	}
	return strings.ToLower(s)
}
