package notify

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/event"
	"github.com/okienko/okienko/notify/outbox"
)

// Defaults of a Worker.
const (
	DefaultMaxAttempts = 6
	// DefaultLease is how long a claim lasts unless its owner renews it;
	// a crashed worker's messages are taken over when it expires.
	DefaultLease = time.Minute
	// DefaultSendTimeout is the deadline of one send to a provider.
	DefaultSendTimeout = 30 * time.Second
	// DefaultConcurrency is how many messages of one channel are sent at
	// once.
	DefaultConcurrency = 8
	// DefaultPoll is the longest a worker waits without being woken: the
	// safety net for a wake that got lost.
	DefaultPoll = 30 * time.Second
	// DefaultBusyDelay is the longest a new message waits while the
	// instance is Busy.
	DefaultBusyDelay = time.Second
	// busyPoll is how often a lane holding messages back looks whether
	// the instance is still Busy.
	busyPoll = 20 * time.Millisecond
	// DefaultGrace is how long, at shutdown, sends in flight may finish
	// before they are interrupted and their messages returned to the queue.
	DefaultGrace = 10 * time.Second
	firstRetry   = time.Minute
	// retryStore is the pause between attempts to record an outcome, or to
	// claim, while the database is unavailable.
	retryStore = 500 * time.Millisecond
)

// Worker sends the outbox's messages. E-mail, SMS and webhooks have separate lanes,
// each sending up to Concurrency messages at once, each send with its own
// deadline, so a slow provider never holds the other channel back.
//
// A worker claims a message by taking a lease on it (owner and expiry),
// renews its leases while it sends, and records the outcome only while it
// still owns the lease; an expired lease (its worker died) is taken over.
// Run is woken when a message is queued (in process through the outbox
// Bell, across instances through PostgreSQL LISTEN/NOTIFY) and when the
// next retry or lease expiry is due, and polls every Poll as a safety net.
//
// Email, SMS and Compose are required (use LogSender in development).
type Worker struct {
	DB          *gorm.DB
	Clock       okienko.Clock
	Email       Sender
	SMS         Sender
	Compose     Composer
	Log         *slog.Logger
	MaxAttempts int           // default DefaultMaxAttempts
	Lease       time.Duration // default DefaultLease
	SendTimeout time.Duration // default DefaultSendTimeout
	Concurrency int           // per channel, default DefaultConcurrency
	Poll        time.Duration // default DefaultPoll
	Grace       time.Duration // default DefaultGrace
	// Listen is the PostgreSQL URL Run LISTENs on for messages queued by
	// other instances; empty on SQLite.
	Listen string
	// Host is the domain of Message-IDs: the host of the public URL.
	// Default "okienko.invalid".
	Host string
	// Installation prefixes the keys sent to providers; default the
	// installation's id from the database.
	Installation string
	// WebhookTimeout bounds one webhook request, answer included; default
	// DefaultWebhookTimeout.
	WebhookTimeout time.Duration
	// HTTP sends webhook requests; default a client without redirects or
	// proxy that refuses internal addresses unless AllowPrivate.
	HTTP *http.Client
	// AllowPrivate lets webhook requests reach internal addresses
	// (loopback, private, link-local …; OKIENKO_WEBHOOK_ALLOW_PRIVATE).
	AllowPrivate bool
	// Metrics, when set, counts outcomes and times sends.
	Metrics *Metrics
	// Publish, when set, receives the event of an endpoint the worker
	// disabled (410 Gone), for other instances to forget their endpoints
	// (see Webhooks).
	Publish func([]event.Event)
	// Busy, when set, reports whether residents are waiting on this
	// instance for an answer that takes seats (a rush of bookings). While
	// it is true the lanes leave a message due for less than BusyDelay for
	// later, so composing and sending confirmations does not take the CPU
	// the answers need; a message due for longer goes at once, and all go
	// as soon as it is false.
	Busy func() bool
	// BusyDelay is the longest a message waits while Busy; default
	// DefaultBusyDelay.
	BusyDelay time.Duration

	// crashAfterSend, in tests, leaves a message in sending after it was
	// sent when it returns true, as a crash would.
	crashAfterSend func(m *outbox.Message) bool

	hookClientOnce sync.Once
	hookClient     *http.Client

	setup      sync.Once
	setErr     error
	owner      string
	renewed    chan struct{} // receives after each lease renewal (tests)
	renewEvery time.Duration // default a third of the lease (tests: shorter)
	listening  chan struct{} // receives when LISTEN becomes active (tests)
	idleLanes  atomic.Int32  // lanes asleep with nothing in flight (tests)
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

func orDefault[T int | time.Duration](v, d T) T {
	if v <= 0 {
		return d
	}
	return v
}

func (w *Worker) lease() time.Duration       { return orDefault(w.Lease, DefaultLease) }
func (w *Worker) sendTimeout() time.Duration { return orDefault(w.SendTimeout, DefaultSendTimeout) }
func (w *Worker) concurrency() int           { return orDefault(w.Concurrency, DefaultConcurrency) }
func (w *Worker) poll() time.Duration        { return orDefault(w.Poll, DefaultPoll) }
func (w *Worker) grace() time.Duration       { return orDefault(w.Grace, DefaultGrace) }

// holdBack is how long a new message waits now: BusyDelay while Busy, else
// nothing.
func (w *Worker) holdBack() time.Duration {
	if w.Busy == nil || !w.Busy() {
		return 0
	}
	return orDefault(w.BusyDelay, DefaultBusyDelay)
}

// init names the worker's leases (host, process and a random part, so two
// workers never share an owner) and reads the installation's id.
func (w *Worker) init(ctx context.Context) error {
	w.setup.Do(func() {
		host, _ := os.Hostname()
		var b [6]byte
		_, _ = rand.Read(b[:])
		w.owner = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
		if w.Installation == "" {
			w.Installation, w.setErr = outbox.Installation(ctx, w.DB)
		}
		if w.Host == "" {
			w.Host = "okienko.invalid"
		}
	})
	return w.setErr
}

// Owner returns the name the worker's leases carry.
func (w *Worker) Owner() string { return w.owner }

// Backoff is the wait before attempt n+1 after n failed attempts: 1 minute,
// then doubling.
func Backoff(attempts int) time.Duration {
	if attempts < 1 {
		attempts = 1
	}
	return firstRetry << (attempts - 1)
}

// RunOnce sends the messages due now, every channel at once (taking over
// expired leases), and returns when none is due and none in flight, with
// how many it sent. Several workers may run at once, on one or more
// instances: each message is claimed by one. The error is the database's.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	if err := w.init(ctx); err != nil {
		return 0, err
	}
	stop := w.renewLeases()
	defer stop()
	var wg sync.WaitGroup
	sent := make([]int, len(outbox.Channels))
	errs := make([]error, len(outbox.Channels))
	for i, ch := range outbox.Channels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sent[i], errs[i] = w.lane(ctx, ctx, ch, nil, true)
		}()
	}
	wg.Wait()
	total := 0
	for _, n := range sent {
		total += n
	}
	return total, errors.Join(errs...)
}

// Run sends messages as they become due until ctx ends. Then it claims no
// more, lets the sends in flight finish for up to Grace, interrupts the
// rest and returns their messages to the queue, ends the sessions its
// senders keep open (a Sender with a Close method), and returns nil. An error
// only when the installation can't be read at the start.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.init(ctx); err != nil {
		return err
	}
	wakes := map[string]chan string{}
	for _, ch := range outbox.Channels {
		wakes[ch] = make(chan string, 1)
	}
	wake := func(ch string) {
		if c, ok := wakes[ch]; ok {
			select {
			case c <- ch:
			default:
			}
		}
	}
	rings, unsubscribe := outbox.BellOf(w.DB).Subscribe()
	defer unsubscribe()
	listening, stopListening := context.WithCancel(context.Background())
	defer stopListening()
	go func() {
		for {
			select {
			case ch := <-rings:
				wake(ch)
			case <-listening.Done():
				return
			}
		}
	}()
	if w.Listen != "" {
		l := &database.Listener{URL: w.Listen, Channel: outbox.WakeChannel, Log: w.log(),
			Listening: func(bool) {
				for _, ch := range outbox.Channels {
					wake(ch)
				}
				if w.listening != nil {
					select {
					case w.listening <- struct{}{}:
					default:
					}
				}
			},
			Notify: func(_ context.Context, ch string) { wake(ch) }}
		go func() { _ = l.Run(listening) }()
	}
	stop := w.renewLeases()
	defer stop()
	sendCtx, cancelSends := context.WithCancel(context.Background())
	defer cancelSends()
	go func() {
		<-ctx.Done()
		t := time.NewTimer(w.grace())
		defer t.Stop()
		select {
		case <-t.C:
			cancelSends()
		case <-sendCtx.Done():
		}
	}()
	var wg sync.WaitGroup
	for ch, c := range wakes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = w.lane(ctx, sendCtx, ch, c, false)
		}()
	}
	wg.Wait()
	cancelSends()
	// Senders that keep sessions open between messages (SMTP) end them.
	for _, sender := range []Sender{w.Email, w.SMS} {
		if c, ok := sender.(interface{ Close() error }); ok {
			if err := c.Close(); err != nil {
				w.log().Warn("outbox: closing a provider's sessions failed", "err", err)
			}
		}
	}
	return nil
}

// lane claims and sends the messages of one channel, up to Concurrency at
// once, claiming more as sends finish. Sends run under sendCtx; ctx ending
// stops the claiming, and lane returns once the sends in flight are done.
// With untilIdle it also returns when nothing is due and nothing in
// flight, with the first database error; otherwise it sleeps until woken
// or until the next message is due (at most Poll), and logs database
// errors and tries again.
func (w *Worker) lane(ctx, sendCtx context.Context, ch string, wake <-chan string, untilIdle bool) (int, error) {
	conc := w.concurrency()
	done := make(chan bool, conc)
	inflight, sent := 0, 0
	var firstErr error
	// While busy, after finding nothing old enough to claim, the lane
	// claims nothing before claimAfter (when the oldest message it left
	// would be old enough, or any new one could be) but looks every
	// busyPoll whether the instance is still busy.
	var claimAfter time.Time
	for {
		more, failed := false, false
		hold := w.holdBack()
		held := hold > 0 && w.now().Before(claimAfter)
		if ctx.Err() == nil && firstErr == nil && inflight < conc && !held {
			free := conc - inflight
			batch, err := w.claim(ctx, ch, free, hold)
			if err != nil && ctx.Err() == nil {
				if untilIdle {
					firstErr = err
				} else {
					w.log().Warn("outbox: claiming failed; trying again", "channel", ch, "err", err)
				}
				failed = true
			}
			for i := range batch {
				m := batch[i]
				inflight++
				go func() { done <- w.deliver(sendCtx, &m) }()
			}
			more = len(batch) == free
		}
		if inflight == 0 && (ctx.Err() != nil || (untilIdle && (!more || firstErr != nil))) {
			return sent, firstErr
		}
		var timer *time.Timer
		var due <-chan time.Time
		if !untilIdle && ctx.Err() == nil && !more {
			wait := retryStore
			switch {
			case held:
				wait = min(claimAfter.Sub(w.now()), busyPoll)
			case !failed:
				wait = w.untilDue(ctx, ch, hold)
				if hold > 0 {
					claimAfter = w.now().Add(min(wait, hold))
					wait = min(wait, busyPoll)
				}
			}
			timer = time.NewTimer(wait)
			due = timer.C
		}
		stopped := ctx.Done()
		if ctx.Err() != nil {
			// ctx may have ended since the look above (while untilDue
			// ran): with nothing in flight there is nothing to wait for,
			// and the timer may be a whole Poll away.
			if inflight == 0 {
				if timer != nil {
					timer.Stop()
				}
				return sent, firstErr
			}
			stopped = nil
		}
		idle := !untilIdle && inflight == 0
		if idle {
			w.idleLanes.Add(1)
		}
		select {
		case ok := <-done:
			inflight--
			if ok {
				sent++
			}
		case <-wake:
		case <-due:
		case <-stopped:
		}
		if idle {
			w.idleLanes.Add(-1)
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// untilDue is how long until the channel's next message is due (held back
// for hold), or the next lease of another worker expires: at most Poll, at
// least zero.
func (w *Worker) untilDue(ctx context.Context, ch string, hold time.Duration) time.Duration {
	wait := w.poll()
	now := w.now()
	var next []outbox.Message
	q := w.DB.WithContext(ctx).Select("next_attempt_at").Where("channel = ? AND state = ?", ch, outbox.Queued)
	if ch == outbox.Webhook {
		q = q.Where(inOrder)
	}
	err := q.Order("next_attempt_at").Limit(1).Find(&next).Error
	if err == nil && len(next) == 1 {
		wait = min(wait, next[0].NextAttemptAt.Add(hold).Sub(now))
	}
	next = nil
	err = w.DB.WithContext(ctx).Select("lease_until").
		Where("channel = ? AND state = ? AND (lease_owner IS NULL OR lease_owner <> ?)", ch, outbox.Sending, w.owner).Order("lease_until").Limit(1).Find(&next).Error
	if err == nil && len(next) == 1 && next[0].LeaseUntil != nil {
		// A moment after the expiry, so the claim sees it expired.
		wait = min(wait, next[0].LeaseUntil.Sub(now)+time.Millisecond)
	}
	return max(wait, 0)
}

// claim leases up to n messages of channel ch that have been due for hold,
// or whose lease expired, in one short transaction (PostgreSQL: rows
// locked with SKIP LOCKED, so concurrent workers take different ones;
// SQLite: the immediate transaction serialises workers).
func (w *Worker) claim(ctx context.Context, ch string, n int, hold time.Duration) ([]outbox.Message, error) {
	now := w.now()
	until := now.Add(w.lease())
	var out []outbox.Message
	err := w.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Where("channel = ? AND ((state = ? AND next_attempt_at <= ?) OR (state = ? AND lease_until < ?))",
			ch, outbox.Queued, now.Add(-hold), outbox.Sending, now).Order("next_attempt_at, id").Limit(n)
		if ch == outbox.Webhook {
			q = q.Where(inOrder)
		}
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
			if out[i].State == outbox.Sending {
				w.log().Warn("outbox: lease expired; message taken over", "key", out[i].Key, "from", deref(out[i].LeaseOwner))
			}
			ids[i] = out[i].ID
			out[i].State, out[i].ClaimedAt, out[i].Attempts = outbox.Sending, &now, out[i].Attempts+1
			out[i].LeaseOwner, out[i].LeaseUntil = &w.owner, &until
		}
		return tx.Model(&outbox.Message{}).Where("id IN ?", ids).
			Updates(map[string]any{"state": outbox.Sending, "claimed_at": now, "attempts": gorm.Expr("attempts + 1"),
				"lease_owner": w.owner, "lease_until": until, "updated_at": now}).Error
	})
	if err != nil {
		return nil, okienko.Internal(err)
	}
	return out, nil
}

// inOrder keeps a webhook message back while an earlier message of the
// same endpoint and object is queued or being sent: a receiver gets an
// object's events in order, each once the one before was delivered or
// given up.
const inOrder = `NOT EXISTS (SELECT 1 FROM outbox o WHERE o.webhook_id = outbox.webhook_id
	AND o.object_key = outbox.object_key AND o.id < outbox.id AND o.state IN ('queued', 'sending'))`

// renewLeases extends the worker's leases every third of a lease until
// stop is called, so a send that takes longer than a lease keeps its
// message.
func (w *Worker) renewLeases() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(orDefault(w.renewEvery, w.lease()/3))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			now := w.now()
			err := w.DB.WithContext(ctx).Model(&outbox.Message{}).
				Where("lease_owner = ? AND state = ?", w.owner, outbox.Sending).
				Updates(map[string]any{"lease_until": now.Add(w.lease())}).Error
			if err != nil && ctx.Err() == nil {
				w.log().Warn("outbox: renewing leases failed", "err", err)
			}
			if w.renewed != nil {
				select {
				case w.renewed <- struct{}{}:
				default:
				}
			}
		}
	}()
	return func() { cancel(); <-finished }
}

// MessageID is the Message-ID of the message with key k: the same for
// every attempt, unique per installation, valid by RFC 5322.
func (w *Worker) MessageID(key string) string {
	sum := sha256.Sum256([]byte(w.Installation + ":" + key))
	return hex.EncodeToString(sum[:16]) + "@" + w.Host
}

// deliver composes and sends one claimed message under ctx, each send with
// its own deadline, and records the outcome. It reports whether the
// message was sent.
func (w *Worker) deliver(ctx context.Context, m *outbox.Message) bool {
	if m.Channel == outbox.Webhook {
		return w.deliverWebhook(ctx, m)
	}
	began := time.Now()
	sctx, cancel := context.WithTimeout(ctx, w.sendTimeout())
	defer cancel()
	out, err := w.Compose.Compose(sctx, m)
	if err == nil {
		sender := w.Email
		if m.Channel == outbox.SMS {
			sender = w.SMS
		}
		out.Key, out.Channel, out.MessageID = w.Installation+"-"+m.Key, m.Channel, w.MessageID(m.Key)
		m.Recipient = Mask(m.Channel, out.To)
		err = sender.Send(sctx, out)
	}
	took := time.Since(began)
	switch {
	case err == nil:
		ok := w.markSent(m)
		if ok {
			w.Metrics.observe(m.Channel, "sent", took, w.now().Sub(m.NextAttemptAt))
		}
		return ok
	case ctx.Err() != nil:
		w.release(m)
		w.Metrics.observe(m.Channel, "returned", took, 0)
	default:
		if w.markFailed(m, err) {
			w.Metrics.observe(m.Channel, "failed", took, 0)
		} else {
			w.Metrics.observe(m.Channel, "retry", took, 0)
		}
	}
	return false
}

// record applies upd to m's row while the worker still owns its lease,
// trying again while the database is unavailable, for up to half a lease.
// It logs a lease that was lost (the message was taken over).
func (w *Worker) record(m *outbox.Message, upd map[string]any) bool {
	upd["lease_owner"], upd["lease_until"], upd["claimed_at"], upd["recipient"] = nil, nil, nil, m.Recipient
	deadline := time.Now().Add(w.lease() / 2)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		upd["updated_at"] = w.now()
		res := w.DB.WithContext(ctx).Model(&outbox.Message{}).
			Where("id = ? AND state = ? AND lease_owner = ?", m.ID, outbox.Sending, w.owner).Updates(upd)
		cancel()
		if res.Error == nil {
			if res.RowsAffected == 0 {
				w.log().Warn("outbox: lease lost; the message was taken over", "key", m.Key)
				return false
			}
			return true
		}
		if time.Now().After(deadline) {
			w.log().Error("outbox: recording a message's outcome failed; its lease will expire", "key", m.Key, "err", res.Error)
			return false
		}
		time.Sleep(retryStore)
	}
}

// markSent records m as sent and reports whether it could (the worker
// still owned the lease).
func (w *Worker) markSent(m *outbox.Message) bool {
	if w.crashAfterSend != nil && w.crashAfterSend(m) {
		return false
	}
	if !w.record(m, map[string]any{"state": outbox.Sent, "sent_at": w.now(), "last_error": ""}) {
		return false
	}
	w.log().Info("message sent", "key", m.Key, "attempt", m.Attempts)
	return true
}

// markFailed records a failed attempt: the message is queued again after
// its backoff, or, after a permanent error or the last attempt, failed.
// It reports whether the message failed for good.
func (w *Worker) markFailed(m *outbox.Message, cause error) bool {
	max := orDefault(w.MaxAttempts, DefaultMaxAttempts)
	upd := map[string]any{"last_error": truncate(cause.Error(), 500)}
	final := IsPermanent(cause) || m.Attempts >= max
	if final {
		upd["state"] = outbox.Failed
		w.log().Warn("message failed", "key", m.Key, "attempts", m.Attempts, "error", cause)
	} else {
		upd["state"] = outbox.Queued
		upd["next_attempt_at"] = w.now().Add(Backoff(m.Attempts))
		w.log().Info("message send failed; will retry", "key", m.Key, "attempts", m.Attempts, "retry_in", Backoff(m.Attempts), "error", cause)
	}
	w.record(m, upd)
	return final
}

// release returns a message whose send was interrupted by shutdown to the
// queue, due at once; the interrupted attempt does not count.
func (w *Worker) release(m *outbox.Message) {
	if w.record(m, map[string]any{"state": outbox.Queued, "next_attempt_at": w.now(),
		"attempts": gorm.Expr("attempts - 1"), "last_error": "interrupted by shutdown"}) {
		w.log().Info("message returned to the queue at shutdown", "key", m.Key)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
