package office

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"
)

// WeekHours are the opening hours per weekday: each day a list of
// ["HH:MM","HH:MM"] wall-clock intervals; an interval may end at "24:00".
// They are kept as written and checked by Validate.
type WeekHours struct {
	Mon [][]string `json:"mon"`
	Tue [][]string `json:"tue"`
	Wed [][]string `json:"wed"`
	Thu [][]string `json:"thu"`
	Fri [][]string `json:"fri"`
	Sat [][]string `json:"sat"`
	Sun [][]string `json:"sun"`
}

// WeekdayKeys are the JSON keys of WeekHours, Monday first.
var WeekdayKeys = [7]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// Day returns the intervals of weekday wd.
func (h *WeekHours) Day(wd time.Weekday) [][]string {
	return *h.dayPtr(wd)
}

func (h *WeekHours) dayPtr(wd time.Weekday) *[][]string {
	switch wd {
	case time.Monday:
		return &h.Mon
	case time.Tuesday:
		return &h.Tue
	case time.Wednesday:
		return &h.Wed
	case time.Thursday:
		return &h.Thu
	case time.Friday:
		return &h.Fri
	case time.Saturday:
		return &h.Sat
	default:
		return &h.Sun
	}
}

// MarshalJSON writes every weekday, [] for closed days.
func (h WeekHours) MarshalJSON() ([]byte, error) {
	type plain WeekHours
	p := plain(h)
	for _, d := range []*[][]string{&p.Mon, &p.Tue, &p.Wed, &p.Thu, &p.Fri, &p.Sat, &p.Sun} {
		if *d == nil {
			*d = [][]string{}
		}
	}
	return json.Marshal(p)
}

// Value stores the hours as JSON text.
func (h WeekHours) Value() (driver.Value, error) {
	b, err := json.Marshal(h)
	return string(b), err
}

// Scan reads hours stored as JSON text.
func (h *WeekHours) Scan(src any) error {
	*h = WeekHours{}
	return scanJSONText(src, h, "office.WeekHours")
}

// scanJSONText reads JSON stored as text into dst; a NULL leaves dst as
// it is. name is dst's type for the error of any other column type.
func scanJSONText(src, dst any, name string) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	case nil:
		return nil
	default:
		return fmt.Errorf("%s: cannot scan %T", name, src)
	}
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, dst)
}
