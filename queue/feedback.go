package queue

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/office"
)

// Feedback after the visit: once a ticket is done, its resident may answer
// one question (a score 1–5) with an optional comment, once. The answer is
// anonymous: it keeps the ticket's matter, department, counter and office
// day, and nothing about the person.

// Bounds of an answer.
const (
	MinFeedbackScore = 1
	MaxFeedbackScore = 5
	// MaxFeedbackComment is the longest comment, in characters.
	MaxFeedbackComment = 500
	// maxPublicID bounds a public id before it reaches a query; the ids
	// made by newPublicID are 16 characters.
	maxPublicID = 64
)

// Feedback is one resident's answer about a done ticket's visit.
type Feedback struct {
	ID int64 `json:"-"`
	// TicketID links the answer to its ticket, one answer per ticket; nil
	// if the ticket was deleted (the answer stays for the statistics).
	TicketID     *int64      `json:"-"`
	Day          office.Date `json:"day"`
	DepartmentID int64       `json:"department_id"`
	ServiceID    int64       `json:"service_id"`
	CounterID    *int64      `json:"counter_id"`
	Score        int         `json:"score"`
	Comment      string      `json:"comment"`
	CreatedAt    time.Time   `json:"created_at"`
}

// TableName is the table of answers.
func (Feedback) TableName() string { return "feedback" }

// FeedbackSpec is what a resident answers.
type FeedbackSpec struct {
	Score   int
	Comment string // optional; trimmed
}

// check bounds spec: EINVALID naming score (outside 1–5) or comment (over
// MaxFeedbackComment characters, not UTF-8, or holding control characters
// other than line breaks and tabs). It returns the trimmed comment.
func (spec FeedbackSpec) check() (string, error) {
	fe := okienko.FieldErrors{}
	if spec.Score < MinFeedbackScore || spec.Score > MaxFeedbackScore {
		fe.Add("score", fmt.Sprintf("must be a whole number from %d to %d", MinFeedbackScore, MaxFeedbackScore))
	}
	comment := spec.Comment
	switch {
	case len(comment) > 4*MaxFeedbackComment+64 || !utf8.ValidString(comment):
		fe.Add("comment", fmt.Sprintf("must be text of at most %d characters", MaxFeedbackComment))
	default:
		comment = strings.TrimSpace(comment)
		if utf8.RuneCountInString(comment) > MaxFeedbackComment {
			fe.Add("comment", fmt.Sprintf("must be at most %d characters", MaxFeedbackComment))
		} else if strings.IndexFunc(comment, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }) >= 0 {
			fe.Add("comment", "must not hold control characters")
		}
	}
	return comment, fe.Err()
}

// GiveFeedback records the answer about the ticket with publicID, in its
// own transaction. EINVALID naming score or comment (nothing looked up or
// written); ENOTFOUND for an unknown ticket; ECONFLICT when the ticket isn't
// done (naming its status in Fields["status"]) or was answered already
// (Fields["reason"] already_answered), also when answers race: the
// ticket's row is locked and the answer is unique per ticket.
func (s *Store) GiveFeedback(ctx context.Context, publicID string, spec FeedbackSpec) (*Feedback, error) {
	comment, err := spec.check()
	if err != nil {
		return nil, err
	}
	if publicID == "" || len(publicID) > maxPublicID {
		return nil, okienko.Errorf(okienko.ENOTFOUND, "no ticket %q", truncate(publicID, maxPublicID))
	}
	var out *Feedback
	err = s.change(ctx, func(tx *gorm.DB, _ *eventLog) error {
		q := tx
		if database.Dialect(tx) == database.Postgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var t Ticket
		err := q.Where("public_id = ?", publicID).First(&t).Error
		if database.IsNotFound(err) {
			return okienko.Errorf(okienko.ENOTFOUND, "no ticket %q", publicID)
		}
		if err != nil {
			return err
		}
		if t.Status != StatusDone {
			return &okienko.Error{Code: okienko.ECONFLICT,
				Message: fmt.Sprintf("the ticket is %s; feedback is taken once the visit is done", t.Status),
				Fields:  map[string]string{"status": t.Status}}
		}
		var n int64
		if err := tx.Model(&Feedback{}).Where("ticket_id = ?", t.ID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return alreadyAnswered()
		}
		id := t.ID
		f := &Feedback{TicketID: &id, Day: t.Day, DepartmentID: t.DepartmentID, ServiceID: t.ServiceID, CounterID: t.CounterID,
			Score: spec.Score, Comment: comment, CreatedAt: s.now()}
		if err := tx.Create(f).Error; err != nil {
			if database.IsUniqueViolation(err) {
				return alreadyAnswered()
			}
			return err
		}
		out = f
		return nil
	})
	return out, err
}

func alreadyAnswered() error {
	return &okienko.Error{Code: okienko.ECONFLICT, Message: "this visit has been rated already; thank you",
		Fields: map[string]string{"reason": "already_answered"}}
}

// FeedbackGiven reports whether the ticket has been answered about.
func (s *Store) FeedbackGiven(ctx context.Context, ticketID int64) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&Feedback{}).Where("ticket_id = ?", ticketID).Count(&n).Error; err != nil {
		return false, okienko.Internal(err)
	}
	return n > 0, nil
}

// truncate cuts s to at most n bytes, for messages.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
