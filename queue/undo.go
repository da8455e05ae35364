package queue

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
)

// UndoNoShowWindow is how long after marking a ticket absent the clerk may
// take it back (UndoNoShow): long enough to notice a wrong key, short
// enough that nobody else has been called meanwhile in the resident's place.
const UndoNoShowWindow = 10 * time.Second

// AuditUndoNoShow is the audit action of a no-show taken back.
const AuditUndoNoShow = "undo_no_show"

// UndoNoShow takes back the no-show of a ticket marked absent less than
// UndoNoShowWindow ago (by the store's clock): the ticket is called again
// at the same counter, with its call time kept, and the change is
// published like any other and recorded in the audit log with the clerk
// (the actor in ctx). userID must be signed in at the ticket's counter.
// ENOTFOUND; EFORBIDDEN as Act; ECONFLICT when the ticket is not absent,
// the window has passed, or the counter has called or serves another
// ticket meanwhile. Of two undos at once exactly one succeeds.
func (s *Store) UndoNoShow(ctx context.Context, ticketID, userID int64) (*Ticket, error) {
	var out *Ticket
	err := s.change(ctx, func(tx *gorm.DB, log *eventLog) error {
		t, err := loadTicket(tx, ticketID, true)
		if err != nil {
			return err
		}
		if err := s.mayTouch(tx, t, userID); err != nil {
			return err
		}
		if t.Status != StatusNoShow || t.CounterID == nil {
			_, err := Next(ActUndoNoShow, t.Status)
			if err == nil {
				err = okienko.Errorf(okienko.ECONFLICT, "ticket %s is at no counter", t.Number)
			}
			return err
		}
		now := s.now()
		if t.FinishedAt == nil || now.Sub(*t.FinishedAt) >= UndoNoShowWindow {
			return okienko.Errorf(okienko.ECONFLICT, "ticket %s was marked absent more than %d seconds ago: it can no longer be taken back", t.Number, int(UndoNoShowWindow/time.Second))
		}
		var busy int64
		if err := tx.Model(&Ticket{}).Where("counter_id = ? AND status IN ? AND id <> ?", *t.CounterID, []string{StatusCalled, StatusServing}, t.ID).Count(&busy).Error; err != nil {
			return err
		}
		if busy > 0 {
			return okienko.Errorf(okienko.ECONFLICT, "the counter has called another ticket since %s was marked absent", t.Number)
		}
		before := map[string]any{"number": t.Number, "status": t.Status, "counter_id": *t.CounterID}
		if err := s.move(ctx, tx, log, t, ActUndoNoShow, now, nil); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, AuditUndoNoShow, "ticket", t.ID, before,
			map[string]any{"number": t.Number, "status": t.Status, "counter_id": *t.CounterID}); err != nil {
			return err
		}
		out = t
		return nil
	})
	return out, err
}
