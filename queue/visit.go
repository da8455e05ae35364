package queue

import (
	"database/sql/driver"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
)

// A visit of several matters (booking.Booking.Items) checks in as ONE
// ticket: its ServiceID is the matter being served or waited for, its
// Remaining the matters still to come. When the clerk is done with one
// matter, Transfer to the next (Remaining[0]) sends the ticket onward for
// the rest, keeping its issue time and so its place; a counter that serves
// the next matter too calls it again at once (CallTicket) and serves the
// matters in turn.

// ServiceList is a list of matters' ids, stored as "12,13".
type ServiceList []int64

// Value stores l as comma-separated ids ("" when empty).
func (l ServiceList) Value() (driver.Value, error) {
	parts := make([]string, len(l))
	for i, id := range l {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ","), nil
}

// Scan reads comma-separated ids.
func (l *ServiceList) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("a service list from %T", src)
	}
	*l = nil
	for _, part := range strings.Split(s, ",") {
		if part == "" {
			continue
		}
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil {
			return fmt.Errorf("a service list: %w", err)
		}
		*l = append(*l, id)
	}
	return nil
}

// carryMatters gives t, the ticket of checked-in booking b, the matters of
// b after its first when b is a visit of several, on tx.
func carryMatters(tx *gorm.DB, t *Ticket, b *booking.Booking) error {
	if len(b.Items) < 2 {
		return nil
	}
	rest := make(ServiceList, 0, len(b.Items)-1)
	for _, it := range b.Items[1:] {
		rest = append(rest, it.ServiceID)
	}
	t.Remaining = rest
	return tx.Model(&Ticket{}).Where("id = ?", t.ID).Update("remaining", rest).Error
}

// onward drops serviceID, the matter t was just transferred to, from t's
// remaining matters, on tx: the ticket goes on with it. Nothing when it is
// not among them.
func onward(tx *gorm.DB, t *Ticket, serviceID int64) error {
	i := slices.Index(t.Remaining, serviceID)
	if i < 0 {
		return nil
	}
	t.Remaining = slices.Delete(slices.Clone(t.Remaining), i, i+1)
	return tx.Model(&Ticket{}).Where("id = ?", t.ID).Update("remaining", t.Remaining).Error
}
