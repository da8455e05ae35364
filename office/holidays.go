package office

import (
	"slices"
	"strings"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/aa"
	"github.com/rickar/cal/v2/pl"
)

// publicHolidays are the days free from work in Poland (ustawa o dniach
// wolnych od pracy): the library's list, which includes 24 December from 2025
// on, plus Easter Sunday and Pentecost Sunday, which it leaves out because
// they always fall on a Sunday (a department may still open on Sundays).
var publicHolidays = append([]*cal.Holiday{
	aa.Easter.Clone(&cal.Holiday{Name: "pierwszy dzień Wielkiej Nocy", Type: cal.ObservancePublic}),
	aa.Pentecost.Clone(&cal.Holiday{Name: "Zielone Świątki", Type: cal.ObservancePublic}),
}, pl.Holidays...)

// Holiday reports whether d is a Polish public holiday and gives its Polish
// name.
func Holiday(d Date) (name string, ok bool) {
	for _, h := range publicHolidays {
		actual, _ := h.Calc(d.Year)
		if actual.IsZero() {
			continue
		}
		if y, m, day := actual.Date(); y == d.Year && m == d.Month && day == d.Day {
			return h.Name, true
		}
	}
	return "", false
}

// HolidayDay is a public holiday on a date.
type HolidayDay struct {
	Date Date   `json:"date"`
	Name string `json:"name"`
}

// Holidays lists the Polish public holidays of a year by date.
func Holidays(year int) []HolidayDay {
	out := []HolidayDay{}
	for _, h := range publicHolidays {
		actual, _ := h.Calc(year)
		if actual.IsZero() || actual.Year() != year {
			continue
		}
		out = append(out, HolidayDay{Date: DateOf(actual), Name: h.Name})
	}
	slices.SortFunc(out, func(a, b HolidayDay) int { return strings.Compare(a.Date.String(), b.Date.String()) })
	return out
}
