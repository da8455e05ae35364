package stats

import (
	"context"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/office"
)

// MaxComments bounds the answers Comments lists.
const MaxComments = 1000

// Comment is one resident's answer about a visit as administrators see it:
// the score, the comment, the matter, the counter (its name, "" when none or
// gone) and the office day. Nothing about the person.
type Comment struct {
	Day       office.Date `json:"day"`
	Score     int         `json:"score"`
	Comment   string      `json:"comment"`
	ServiceID int64       `json:"service_id"`
	Service   string      `json:"service"`
	CounterID *int64      `json:"counter_id"`
	Counter   string      `json:"counter"`
}

// Comments returns the answers given about the office days from to to
// (inclusive), newest day first, at most MaxComments of them. EINVALID
// naming the field as CheckRange.
func (s *Store) Comments(ctx context.Context, from, to office.Date) ([]Comment, error) {
	if err := CheckRange(from, to); err != nil {
		return nil, err
	}
	var rows []struct {
		Day       office.Date
		Score     int
		Comment   string
		ServiceID int64
		Service   string
		CounterID *int64
		Counter   *string
	}
	err := s.db.WithContext(ctx).Raw(`SELECT f.day, f.score, f.comment, f.service_id, s.name AS service, f.counter_id, c.name AS counter
		FROM feedback f JOIN services s ON s.id = f.service_id LEFT JOIN counters c ON c.id = f.counter_id
		WHERE f.day BETWEEN ? AND ? ORDER BY f.day DESC, f.id DESC LIMIT ?`, from, to, MaxComments).Scan(&rows).Error
	if err != nil {
		return nil, okienko.Internal(err)
	}
	out := make([]Comment, 0, len(rows))
	for _, r := range rows {
		c := Comment{Day: r.Day, Score: r.Score, Comment: r.Comment, ServiceID: r.ServiceID, Service: r.Service, CounterID: r.CounterID}
		if r.Counter != nil {
			c.Counter = *r.Counter
		}
		out = append(out, c)
	}
	return out, nil
}
