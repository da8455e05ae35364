// Package queue is the lobby queue: tickets issued to walk-ins and to
// residents checking in their bookings, numbered per department and day;
// counters where clerks sign in; call next in the order the office promises;
// the clerk's actions as a state machine; people ahead and estimated waits;
// and the end of the day.
package queue

import (
	"fmt"
	"time"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/office"
)

// Ticket states.
const (
	StatusWaiting = "waiting"
	StatusCalled  = "called"
	StatusServing = "serving"
	StatusDone    = "done"
	StatusNoShow  = "no_show"
	StatusExpired = "expired"
)

// Ticket kinds.
const (
	KindWalkIn  = "walk_in"
	KindBooking = "booking"
	// KindRemote is a ticket a resident took from the phone (the remote
	// queue, e-kolejka): numbered DE05, in the queue from its issue.
	KindRemote = "remote"
)

// Event types recorded for every change, for the live displays.
const (
	EventIssued       = "ticket.issued"
	EventCalled       = "ticket.called"
	EventStarted      = "ticket.started"
	EventFinished     = "ticket.finished"
	EventNoShow       = "ticket.no_show"
	EventReturned     = "ticket.returned"
	EventNoShowUndone = "ticket.no_show_undone"
	EventTransferred  = "ticket.transferred"
	EventExpired      = "ticket.expired"
	EventArrived      = "ticket.arrived" // a remote ticket checked in at the kiosk
	EventCounter      = "counter.changed"
)

// Ticket is a place in the queue.
type Ticket struct {
	ID           int64       `json:"id"`
	PublicID     string      `json:"public_id"`
	OfficeID     int64       `json:"-"`
	DepartmentID int64       `json:"department_id"`
	ServiceID    int64       `json:"service_id"`
	Day          office.Date `json:"day"`
	Kind         string      `json:"kind"`
	Seq          int         `json:"-"`
	Number       string      `json:"number"`
	BookingID    *int64      `json:"-"`
	Priority     bool        `json:"priority"`
	Status       string      `json:"status"`
	IssuedAt     time.Time   `json:"issued_at"`
	DueAt        time.Time   `json:"due_at"`
	CounterID    *int64      `json:"counter_id"`
	UserID       *int64      `json:"-"`
	CalledAt     *time.Time  `json:"called_at"`
	Recalls      int         `json:"recalls"`
	StartedAt    *time.Time  `json:"started_at"`
	FinishedAt   *time.Time  `json:"finished_at"`
	Outcome      string      `json:"outcome,omitempty"`
	Transfers    int         `json:"transfers"`
	Phone        *string     `json:"-"`
	// A remote ticket's e-mail (as typed, normalised) and its key (lower-
	// cased, +tag dropped) for the one-a-day rule; erased with the phone.
	Email    *string `json:"-"`
	EmailKey *string `json:"-"`
	// Lang is the language of the ticket's messages: pl, en or uk.
	Lang string `json:"-"`
	// ArrivedAt is when the kiosk checked a remote ticket in; nil before.
	ArrivedAt *time.Time `json:"arrived_at"`
	// Remaining are the matters of a visit of several still to come after
	// ServiceID's, in order (visit.go); empty for a ticket of one matter.
	Remaining ServiceList `json:"remaining_service_ids,omitempty" gorm:"column:remaining"`
	CreatedAt time.Time   `json:"-"`
	UpdatedAt time.Time   `json:"-"`
}

// TableName is the table of tickets.
func (Ticket) TableName() string { return "tickets" }

// Action is something a clerk (or the end of the day) does to a ticket.
type Action string

// Actions.
const (
	ActCall     Action = "call"
	ActRecall   Action = "recall"
	ActStart    Action = "start"
	ActFinish   Action = "finish"
	ActNoShow   Action = "no-show"
	ActReturn   Action = "return"
	ActTransfer Action = "transfer"
	ActExpire   Action = "expire"
	// ActUndoNoShow takes back a no-show marked moments ago (Store.UndoNoShow):
	// the ticket is called again at its counter.
	ActUndoNoShow Action = "undo-no-show"
)

// transitions is the state machine: for each action, the states it may start
// from and the state it leads to.
var transitions = map[Action]map[string]string{
	ActCall:       {StatusWaiting: StatusCalled},
	ActRecall:     {StatusCalled: StatusCalled},
	ActStart:      {StatusCalled: StatusServing},
	ActFinish:     {StatusServing: StatusDone},
	ActNoShow:     {StatusCalled: StatusNoShow},
	ActReturn:     {StatusCalled: StatusWaiting},
	ActTransfer:   {StatusWaiting: StatusWaiting, StatusCalled: StatusWaiting, StatusServing: StatusWaiting},
	ActExpire:     {StatusWaiting: StatusExpired, StatusCalled: StatusExpired},
	ActUndoNoShow: {StatusNoShow: StatusCalled},
}

// Statuses lists every ticket state.
var Statuses = []string{StatusWaiting, StatusCalled, StatusServing, StatusDone, StatusNoShow, StatusExpired}

// Actions lists every action.
var Actions = []Action{ActCall, ActRecall, ActStart, ActFinish, ActNoShow, ActReturn, ActTransfer, ActExpire, ActUndoNoShow}

// Next returns the state action leads to from state, or ECONFLICT saying why
// it can't be done (EINVALID for an unknown action).
func Next(action Action, from string) (string, error) {
	to, ok := transitions[action]
	if !ok {
		return "", okienko.Errorf(okienko.EINVALID, "unknown action %q", action)
	}
	if next, ok := to[from]; ok {
		return next, nil
	}
	return "", okienko.Errorf(okienko.ECONFLICT, "a ticket that is %s can't be %s", describe(from), pastTense[action])
}

var pastTense = map[Action]string{
	ActCall: "called", ActRecall: "called again", ActStart: "started", ActFinish: "finished",
	ActNoShow: "marked absent", ActReturn: "returned to the queue", ActTransfer: "transferred", ActExpire: "expired",
	ActUndoNoShow: "taken back from absent",
}

func describe(status string) string {
	switch status {
	case StatusWaiting:
		return "waiting"
	case StatusCalled:
		return "called and not yet started"
	case StatusServing:
		return "being served"
	case StatusDone:
		return "finished"
	case StatusNoShow:
		return "marked absent"
	case StatusExpired:
		return "expired"
	}
	return fmt.Sprintf("in state %q", status)
}

// formatNumber is the number shown and printed: walk-ins D017 (prefix and 3
// digits), bookings DR05 (prefix, R and 2 digits), remote tickets DE05
// (prefix, E and 2 digits); more digits once past.
func formatNumber(prefix, kind string, seq int) string {
	switch kind {
	case KindBooking:
		return fmt.Sprintf("%sR%02d", prefix, seq)
	case KindRemote:
		return fmt.Sprintf("%sE%02d", prefix, seq)
	}
	return fmt.Sprintf("%s%03d", prefix, seq)
}
