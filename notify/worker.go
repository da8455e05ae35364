package notify

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/notify/outbox"
)

// Defaults of a Worker.
const (
	DefaultMaxAttempts = 6
	DefaultBatch       = 50
	// StuckAfter is how long a message may stay "sending" before it is
	// taken for a crashed worker's and queued again.
	StuckAfter = 5 * time.Minute
	firstRetry = time.Minute
)

// Worker sends the outbox's due messages. Email and SMS are required (use
// LogSender in development); Compose builds a message's content.
type Worker struct {
	DB          *gorm.DB
	Clock       okienko.Clock
	Email       Sender
	SMS         Sender
	Compose     Composer
	Log         *slog.Logger
	MaxAttempts int // default DefaultMaxAttempts
	Batch       int // messages claimed per transaction, default DefaultBatch

	// crashAfterSend, in tests, leaves a message in sending after it was
	// sent when it returns true, as a crash would.
	crashAfterSend func(m *outbox.Message) bool
}

// Composer turns an outbox message into what a Sender delivers. An error
// marked Permanent (the booking was erased, say) fails the message.
type Composer interface {
	Compose(ctx context.Context, m *outbox.Message) (*Outgoing, error)
}

func (w *Worker) now() time.Time { return w.Clock.Now().UTC().Truncate(time.Microsecond) }

func (w *Worker) log() *slog.Logger {
	if w.Log == nil {
		return slog.Default()
	}
	return w.Log
}

// Backoff is the wait before attempt n+1 after n failed attempts: 1 minute,
// then doubling.
func Backoff(attempts int) time.Duration {
	if attempts < 1 {
		attempts = 1
	}
	return firstRetry << (attempts - 1)
}

// RunOnce queues again the messages stuck in sending (a crashed worker's),
// then claims and sends due messages batch by batch until none is due. It
// returns how many it sent. Several workers may run at once, on one or more
// instances: each message is claimed by one.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	if err := w.recover(ctx); err != nil {
		return 0, err
	}
	sent := 0
	for {
		batch, err := w.claim(ctx)
		if err != nil {
			return sent, err
		}
		if len(batch) == 0 {
			return sent, nil
		}
		for i := range batch {
			ok, err := w.deliver(ctx, &batch[i])
			if err != nil {
				return sent, err
			}
			if ok {
				sent++
			}
		}
	}
}

// recover puts messages claimed more than StuckAfter ago back in the queue.
func (w *Worker) recover(ctx context.Context) error {
	now := w.now()
	res := w.DB.WithContext(ctx).Model(&outbox.Message{}).
		Where("state = ? AND claimed_at < ?", outbox.Sending, now.Add(-StuckAfter)).
		Updates(map[string]any{"state": outbox.Queued, "claimed_at": nil, "next_attempt_at": now, "updated_at": now})
	if res.Error != nil {
		return okienko.Internal(res.Error)
	}
	if res.RowsAffected > 0 {
		w.log().Warn("outbox messages stuck in sending queued again", "messages", res.RowsAffected)
	}
	return nil
}

// claim moves up to Batch due messages to sending in one short transaction
// (PostgreSQL: rows locked with SKIP LOCKED, so concurrent workers take
// different ones; SQLite: the immediate transaction serialises workers).
func (w *Worker) claim(ctx context.Context) ([]outbox.Message, error) {
	n := w.Batch
	if n <= 0 {
		n = DefaultBatch
	}
	now := w.now()
	var out []outbox.Message
	err := w.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Where("state = ? AND next_attempt_at <= ?", outbox.Queued, now).Order("next_attempt_at, id").Limit(n)
		if database.Dialect(tx) == database.Postgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		if err := q.Find(&out).Error; err != nil {
			return err
		}
		if len(out) == 0 {
			return nil
		}
		ids := make([]int64, len(out))
		for i := range out {
			ids[i] = out[i].ID
			out[i].State, out[i].ClaimedAt, out[i].Attempts = outbox.Sending, &now, out[i].Attempts+1
		}
		return tx.Model(&outbox.Message{}).Where("id IN ?", ids).
			Updates(map[string]any{"state": outbox.Sending, "claimed_at": now, "attempts": gorm.Expr("attempts + 1"), "updated_at": now}).Error
	})
	if err != nil {
		return nil, okienko.Internal(err)
	}
	return out, nil
}

// deliver composes and sends one claimed message and records the outcome.
// It reports whether the message was sent; the error is for the database.
func (w *Worker) deliver(ctx context.Context, m *outbox.Message) (bool, error) {
	out, err := w.Compose.Compose(ctx, m)
	if err == nil {
		sender := w.Email
		if m.Channel == outbox.SMS {
			sender = w.SMS
		}
		out.Key, out.Channel = m.Key, m.Channel
		m.Recipient = Mask(m.Channel, out.To)
		err = sender.Send(ctx, out)
	}
	if err == nil {
		return true, w.markSent(ctx, m)
	}
	return false, w.markFailed(ctx, m, err)
}

func (w *Worker) markSent(ctx context.Context, m *outbox.Message) error {
	if w.crashAfterSend != nil && w.crashAfterSend(m) {
		return nil
	}
	now := w.now()
	err := w.DB.WithContext(ctx).Model(&outbox.Message{}).Where("id = ? AND state = ?", m.ID, outbox.Sending).
		Updates(map[string]any{"state": outbox.Sent, "sent_at": now, "claimed_at": nil, "recipient": m.Recipient, "last_error": "", "updated_at": now}).Error
	if err != nil {
		return okienko.Internal(err)
	}
	w.log().Info("message sent", "key", m.Key, "attempt", m.Attempts)
	return nil
}

func (w *Worker) markFailed(ctx context.Context, m *outbox.Message, cause error) error {
	max := w.MaxAttempts
	if max <= 0 {
		max = DefaultMaxAttempts
	}
	now := w.now()
	upd := map[string]any{"claimed_at": nil, "recipient": m.Recipient, "last_error": truncate(cause.Error(), 500), "updated_at": now}
	if IsPermanent(cause) || m.Attempts >= max {
		upd["state"] = outbox.Failed
		w.log().Warn("message failed", "key", m.Key, "attempts", m.Attempts, "error", cause)
	} else {
		upd["state"] = outbox.Queued
		upd["next_attempt_at"] = now.Add(Backoff(m.Attempts))
		w.log().Info("message send failed; will retry", "key", m.Key, "attempts", m.Attempts, "retry_in", Backoff(m.Attempts), "error", cause)
	}
	err := w.DB.WithContext(ctx).Model(&outbox.Message{}).Where("id = ? AND state = ?", m.ID, outbox.Sending).Updates(upd).Error
	if err != nil {
		return okienko.Internal(fmt.Errorf("mark message %d: %w", m.ID, err))
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
