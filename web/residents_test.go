package web_test

import (
	"fmt"
	"time"
)

// residentPESEL is the n-th of a run of distinct valid PESELs (born from
// 1950 on, a thousand a day), for tests with many residents.
func residentPESEL(n int) string {
	born := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n/1000)
	month := int(born.Month())
	if born.Year() >= 2000 {
		month += 20
	}
	return peselOf(fmt.Sprintf("%02d%02d%02d", born.Year()%100, month, born.Day()), fmt.Sprintf("%04d", n%1000))
}
