// Package bookingtest makes test data for bookings. It computes what it
// makes independently of package booking, so tests can check booking with it.
package bookingtest

import "strconv"

// PESEL completes ten digits (the birth date YYMMDD as PESEL writes it,
// +20 on the month for the 2000s, and a four-digit serial) with their check
// digit into a valid PESEL. It panics unless given ten digits.
func PESEL(ten string) string {
	if len(ten) != 10 {
		panic("bookingtest: PESEL wants ten digits, got " + strconv.Quote(ten))
	}
	w := [10]int{1, 3, 7, 9, 1, 3, 7, 9, 1, 3}
	sum := 0
	for i := range 10 {
		if ten[i] < '0' || ten[i] > '9' {
			panic("bookingtest: PESEL wants ten digits, got " + strconv.Quote(ten))
		}
		sum += int(ten[i]-'0') * w[i]
	}
	return ten + strconv.Itoa((10-sum%10)%10)
}
