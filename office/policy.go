package office

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"

	"github.com/okienko/okienko"
)

// Priority policy modes (DESIGN section 12).
const (
	// PolicyStrict calls priority tickets and due bookings first, always.
	PolicyStrict = "strict"
	// PolicyRatio calls one priority ticket after every Every others.
	PolicyRatio = "ratio"
	// PolicyAging lets a walk-in's wait count more the longer it waits;
	// past MaxWaitMinutes it goes first.
	PolicyAging = "aging"
)

// Bounds of a department's priority policy and booking grace.
const (
	MinRatioEvery              = 1
	MaxRatioEvery              = 20
	MinAgingMaxWait            = 5
	MaxAgingMaxWait            = 480
	MaxBookingGraceMinutes     = 120
	DefaultBookingGraceMinutes = 10
)

// PriorityPolicy is what an administrator chooses for a department's call
// order: {"mode":"strict"}, {"mode":"ratio","every":2} or
// {"mode":"aging","max_wait_minutes":45}. A mode keeps only its own number.
type PriorityPolicy struct {
	Mode           string `json:"mode"`
	Every          int    `json:"every,omitempty"`
	MaxWaitMinutes int    `json:"max_wait_minutes,omitempty"`
}

// normalized keeps the number the mode uses and drops the other, so that a
// PATCH changing the mode leaves nothing of the former one.
// An empty mode is strict.
func (p PriorityPolicy) normalized() PriorityPolicy {
	switch p.Mode {
	case "":
		p = PriorityPolicy{Mode: PolicyStrict}
	case PolicyRatio:
		p.MaxWaitMinutes = 0
	case PolicyAging:
		p.Every = 0
	case PolicyStrict:
		p.Every, p.MaxWaitMinutes = 0, 0
	}
	return p
}

// validate adds to f what is wrong, under priority_policy.mode, .every and
// .max_wait_minutes.
func (p PriorityPolicy) validate(f okienko.FieldErrors) {
	switch p.Mode {
	case PolicyStrict:
	case PolicyRatio:
		checkRange(f, "priority_policy.every", p.Every, MinRatioEvery, MaxRatioEvery, "tickets")
	case PolicyAging:
		checkRange(f, "priority_policy.max_wait_minutes", p.MaxWaitMinutes, MinAgingMaxWait, MaxAgingMaxWait, "minutes")
	default:
		f.Add("priority_policy.mode", fmt.Sprintf("must be strict, ratio or aging, got %q", p.Mode))
	}
}

// Value stores the policy as JSON text.
func (p PriorityPolicy) Value() (driver.Value, error) {
	b, err := json.Marshal(p)
	return string(b), err
}

// Scan reads a policy stored as JSON text; nothing stored is strict.
func (p *PriorityPolicy) Scan(src any) error {
	*p = PriorityPolicy{}
	if err := scanJSONText(src, p, "office.PriorityPolicy"); err != nil {
		return err
	}
	if p.Mode == "" {
		p.Mode = PolicyStrict
	}
	return nil
}
