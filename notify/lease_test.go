package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/office/officetest"
)

// gate is a provider that holds every send until it is opened (or the
// send's context ends), and counts what it accepted per key.
type gate struct {
	started chan string // the key of each send as it begins
	open    chan struct{}
	once    sync.Once

	mu    sync.Mutex
	byKey map[string]int
}

func newGate() *gate {
	return &gate{started: make(chan string, 1000), open: make(chan struct{}), byKey: map[string]int{}}
}

func (g *gate) Send(ctx context.Context, m *Outgoing) error {
	g.started <- m.Key
	select {
	case <-g.open:
	case <-ctx.Done():
		return ctx.Err()
	}
	g.mu.Lock()
	g.byKey[m.Key]++
	g.mu.Unlock()
	return nil
}

func (g *gate) release() { g.once.Do(func() { close(g.open) }) }

func (g *gate) accepted() map[string]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := map[string]int{}
	for k, n := range g.byKey {
		out[k] = n
	}
	return out
}

// waitStarted waits for n sends to begin.
func (g *gate) waitStarted(t *testing.T, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		select {
		case <-g.started:
		case <-time.After(10 * time.Second):
			t.Fatalf("%d of %d sends began", i, n)
		}
	}
}

// counter is a provider that accepts at once and announces each delivery.
type counter struct {
	got   chan string
	mu    sync.Mutex
	byKey map[string]int
}

func newCounter() *counter { return &counter{got: make(chan string, 1000), byKey: map[string]int{}} }

func (c *counter) Send(ctx context.Context, m *Outgoing) error {
	c.mu.Lock()
	c.byKey[m.Key]++
	c.mu.Unlock()
	c.got <- m.Key
	return nil
}

// wait waits for n deliveries.
func (c *counter) wait(t *testing.T, n int, what string) {
	t.Helper()
	for i := 0; i < n; i++ {
		select {
		case <-c.got:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: %d of %d delivered", what, i, n)
		}
	}
}

// enqueueOn queues n messages of channel ch, keys prefix:i:ch.
func enqueueOn(t *testing.T, db *gorm.DB, now time.Time, ch, prefix string, n int) {
	t.Helper()
	err := db.Transaction(func(tx *gorm.DB) error {
		for i := 0; i < n; i++ {
			m := outbox.Message{Key: fmt.Sprintf("%s:%d:%s", prefix, i, ch), Channel: ch, Kind: outbox.Reminder}
			if _, err := outbox.Enqueue(context.Background(), tx, now, m, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// start runs w until ctx ends, its result to done; on PostgreSQL it
// LISTENs for wakes, as the server does, and start waits until it does.
func start(t *testing.T, ctx context.Context, w *Worker, url string, done chan<- error) {
	t.Helper()
	if database.IsPostgres(url) {
		w.Listen, w.listening = url, make(chan struct{}, 1)
	}
	go func() { done <- w.Run(ctx) }()
	if w.Listen != "" {
		select {
		case <-w.listening:
		case <-time.After(10 * time.Second):
			t.Fatal("the worker did not LISTEN")
		}
	}
}

// renewedNow waits until w has renewed its leases after this call.
func renewedNow(t *testing.T, w *Worker) {
	t.Helper()
	for i := 0; i < 2; i++ { // the first may have begun before the call
		select {
		case <-w.renewed:
		case <-time.After(10 * time.Second):
			t.Fatal("the worker did not renew its leases")
		}
	}
}

// Two instances; a provider that takes five leases' time to answer. The
// sending instance keeps renewing its leases, so the other one never takes
// the messages over: each is delivered once.
func TestOutboxLeaseOutlivesSlowProvider(t *testing.T) {
	databasetest.EachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		dbA, dbB := databasetest.Open(t, url), databasetest.Open(t, url)
		clock := okienko.NewManualClock(officetest.Anchor(t).At(0, 8, 0))
		enqueueOn(t, dbA, clock.Now(), outbox.Email, "slow", 3)
		slow, other := newGate(), newCounter()
		a := &Worker{DB: dbA, Clock: clock, Email: slow, SMS: slow, Compose: plain{},
			SendTimeout: time.Hour, renewEvery: 50 * time.Millisecond, renewed: make(chan struct{}, 1)}
		b := &Worker{DB: dbB, Clock: clock, Email: other, SMS: other, Compose: plain{}}
		sentA := make(chan int, 1)
		go func() {
			n, err := a.RunOnce(ctx)
			if err != nil {
				t.Error(err)
			}
			sentA <- n
		}()
		slow.waitStarted(t, 3)
		for i := 0; i < 5; i++ {
			clock.Advance(DefaultLease - time.Second)
			renewedNow(t, a)
			if n, err := b.RunOnce(ctx); err != nil || n != 0 {
				t.Fatalf("after %d leases' time the other instance sent %d (%v) of messages still being sent", i+1, n, err)
			}
		}
		slow.release()
		if n := <-sentA; n != 3 {
			t.Fatalf("the slow instance recorded %d sent, want 3", n)
		}
		if n, err := b.RunOnce(ctx); err != nil || n != 0 {
			t.Fatalf("afterwards the other instance sent %d, %v", n, err)
		}
		acc := slow.accepted()
		if len(acc) != 3 || len(other.byKey) != 0 {
			t.Fatalf("deliveries: slow provider %v, other instance %v", acc, other.byKey)
		}
		for k, n := range acc {
			if n != 1 {
				t.Errorf("%s delivered %d times", k, n)
			}
		}
		for _, m := range messages(t, dbA) {
			if m.State != outbox.Sent || m.Attempts != 1 || m.LeaseOwner != nil || m.LeaseUntil != nil {
				t.Errorf("%s: state %s, attempts %d, lease %v %v", m.Key, m.State, m.Attempts, m.LeaseOwner, m.LeaseUntil)
			}
		}
	})
}

// A worker that stopped renewing (it hung, or lost the database) loses its
// messages when the lease expires; whoever takes one over is the only one
// who can record its outcome.
func TestOutboxOnlyTheLeaseOwnerRecords(t *testing.T) {
	databasetest.EachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		dbA, dbB := databasetest.Open(t, url), databasetest.Open(t, url)
		clock := okienko.NewManualClock(officetest.Anchor(t).At(0, 8, 0))
		enqueueOn(t, dbA, clock.Now(), outbox.Email, "hung", 1)
		hung, other := newGate(), newCounter()
		a := &Worker{DB: dbA, Clock: clock, Email: hung, SMS: hung, Compose: plain{}, SendTimeout: time.Hour}
		b := &Worker{DB: dbB, Clock: clock, Email: other, SMS: other, Compose: plain{}}
		sentA := make(chan int, 1)
		go func() {
			n, _ := a.RunOnce(ctx)
			sentA <- n
		}()
		hung.waitStarted(t, 1)
		clock.Advance(DefaultLease + time.Second)
		if n, err := b.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("after the lease expired the other instance sent %d, %v; want the message taken over", n, err)
		}
		hung.release()
		if n := <-sentA; n != 0 {
			t.Fatalf("the instance that lost its lease recorded %d sent", n)
		}
		m := messages(t, dbA)[0]
		if m.State != outbox.Sent || m.Attempts != 2 || !m.SentAt.Equal(clock.Now()) {
			t.Errorf("state %s, attempts %d, sent at %v", m.State, m.Attempts, m.SentAt)
		}
	})
}

// A provider that hangs on every message holds only its own channel: with
// all SMS sends stuck, e-mail still goes out at once. At shutdown the
// stuck sends are interrupted and their messages return to the queue.
func TestOutboxHangingSMSGatewayDoesNotDelayEmail(t *testing.T) {
	databasetest.EachURL(t, func(t *testing.T, url string) {
		db := databasetest.Open(t, url)
		clock := okienko.NewManualClock(officetest.Anchor(t).At(0, 8, 0))
		gateway, mail := newGate(), newCounter()
		defer gateway.release()
		w := &Worker{DB: db, Clock: clock, Email: mail, SMS: gateway, Compose: plain{},
			SendTimeout: time.Hour, Poll: time.Hour, Grace: time.Millisecond}
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan error, 1)
		start(t, ctx, w, url, done)
		enqueueOn(t, db, clock.Now(), outbox.SMS, "stuck", 10)
		gateway.waitStarted(t, DefaultConcurrency)
		enqueueOn(t, db, clock.Now(), outbox.Email, "mail", 20)
		mail.wait(t, 20, "e-mail while the SMS gateway hangs")
		select {
		case k := <-gateway.started:
			t.Fatalf("SMS %s began beyond the channel's %d sends at once", k, DefaultConcurrency)
		default:
		}
		stop()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		var sms, emails int
		for _, m := range messages(t, db) {
			switch m.Channel {
			case outbox.SMS:
				sms++
				if m.State != outbox.Queued || m.Attempts != 0 || m.LeaseOwner != nil || m.NextAttemptAt.After(clock.Now()) {
					t.Errorf("%s after shutdown: state %s, attempts %d, owner %v, next %v", m.Key, m.State, m.Attempts, m.LeaseOwner, m.NextAttemptAt)
				}
			case outbox.Email:
				emails++
				if m.State != outbox.Sent {
					t.Errorf("%s: state %s", m.Key, m.State)
				}
			}
		}
		if sms != 10 || emails != 20 {
			t.Errorf("%d SMS and %d e-mails in the outbox", sms, emails)
		}
	})
}

// A worker is woken by the commit that queues a message: with the poll an
// hour away, the message still goes out at once. On PostgreSQL the message
// is queued through another instance's connections, so only the trigger's
// NOTIFY can have woken the worker.
func TestOutboxWakesOnCommit(t *testing.T) {
	databasetest.EachURL(t, func(t *testing.T, url string) {
		dbW := databasetest.Open(t, url)
		dbApp := dbW
		clock := okienko.NewManualClock(officetest.Anchor(t).At(0, 8, 0))
		mail := newCounter()
		w := &Worker{DB: dbW, Clock: clock, Email: mail, SMS: mail, Compose: plain{}, Poll: time.Hour}
		if database.Dialect(dbW) == database.Postgres {
			dbApp = databasetest.Open(t, url)
		}
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan error, 1)
		start(t, ctx, w, url, done)
		for round := 0; round < 3; round++ {
			// Every lane asleep, nothing in flight: only a wake can send.
			for deadline := time.Now().Add(10 * time.Second); w.idleLanes.Load() != int32(len(outbox.Channels)); {
				if time.Now().After(deadline) {
					t.Fatalf("round %d: the worker's lanes did not go idle", round)
				}
				time.Sleep(time.Millisecond)
			}
			enqueueOn(t, dbApp, clock.Now(), outbox.Email, fmt.Sprint("wake", round), 2)
			enqueueOn(t, dbApp, clock.Now(), outbox.SMS, fmt.Sprint("wake", round), 1)
			mail.wait(t, 3, fmt.Sprintf("round %d, woken by the commit", round))
		}
		stop()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		for k, n := range mail.byKey {
			if n != 1 || !strings.Contains(k, "wake") {
				t.Errorf("%s delivered %d times", k, n)
			}
		}
	})
}

// The database blinks (PostgreSQL behind a proxy that drops every
// connection and refuses new ones). Messages queued meanwhile go out as
// soon as it is back, not at the next poll: the worker's listener
// reconnects and wakes the lanes. A send that finished while the database
// was away is recorded once it is back, without being sent again.
func TestOutboxDatabaseBlink(t *testing.T) {
	url := databasetest.PostgresURL(t)
	direct := databasetest.Open(t, url)
	proxy, purl := databasetest.ProxyURL(t, url)
	db, err := database.Open(purl, "")
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close(db)
	clock := okienko.NewManualClock(officetest.Anchor(t).At(0, 8, 0))
	mail, held := newCounter(), newGate()
	defer held.release()
	w := &Worker{DB: db, Clock: clock, Email: mail, SMS: held, Compose: plain{}, Poll: time.Hour, SendTimeout: time.Hour}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	start(t, ctx, w, purl, done)

	// An SMS in flight when the database goes.
	enqueueOn(t, direct, clock.Now(), outbox.SMS, "inflight", 1)
	held.waitStarted(t, 1)
	proxy.Cut()
	enqueueOn(t, direct, clock.Now(), outbox.Email, "blink", 5)
	held.release()
	// The worker tries the database and is refused, at least twice.
	for deadline := time.Now().Add(10 * time.Second); proxy.Refused() < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the worker did not try the database while it was away")
		}
	}
	back := time.Now()
	proxy.Restore()
	mail.wait(t, 5, "e-mail queued while the database was away")
	t.Logf("delivered %v after the database came back", time.Since(back).Round(time.Millisecond))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var m outbox.Message
		if err := direct.Where("key = ?", "inflight:0:sms").Take(&m).Error; err != nil {
			t.Fatal(err)
		}
		if m.State == outbox.Sent {
			if m.Attempts != 1 {
				t.Errorf("the SMS sent during the blink took %d attempts", m.Attempts)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the SMS sent during the blink is %s", m.State)
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if acc := held.accepted(); len(acc) != 1 {
		t.Errorf("the SMS gateway accepted %v", acc)
	}
}

// The worker's metrics count each attempt's outcome by channel and time
// the sends and how late after being due the provider had them.
func TestOutboxMetrics(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		clock := okienko.NewManualClock(officetest.Anchor(t).At(0, 8, 0))
		enqueueOn(t, db, clock.Now(), outbox.Email, "m", 2)
		enqueueOn(t, db, clock.Now(), outbox.SMS, "m", 3)
		reg := prometheus.NewRegistry()
		calls := 0
		sms := &recorder{fail: func(*Outgoing) error {
			calls++
			if calls == 1 {
				return Permanent(errors.New("bad number"))
			}
			return errors.New("gateway busy")
		}}
		w := &Worker{DB: db, Clock: clock, Email: newCounter(), SMS: sms, Compose: plain{}, Metrics: NewMetrics(reg)}
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		want := map[string]float64{"email/sent": 2, "sms/failed": 1, "sms/retry": 2}
		got := map[string]float64{}
		var sends, delays uint64
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			for _, m := range f.GetMetric() {
				labels := map[string]string{}
				for _, l := range m.GetLabel() {
					labels[l.GetName()] = l.GetValue()
				}
				switch f.GetName() {
				case "okienko_outbox_messages_total":
					// Every channel's outcomes are shown from the start, at zero.
					if v := m.GetCounter().GetValue(); v != 0 {
						got[labels["channel"]+"/"+labels["outcome"]] = v
					}
				case "okienko_outbox_send_seconds":
					sends += m.GetHistogram().GetSampleCount()
				case "okienko_outbox_delivery_delay_seconds":
					delays += m.GetHistogram().GetSampleCount()
				}
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || sends != 5 || delays != 2 {
			t.Errorf("outcomes %v, want %v; %d sends timed, %d delays", got, want, sends, delays)
		}
	})
}

// A worker stopped while a lane asks the database how long to sleep
// (untilDue) returns at once, though its next look is a whole Poll away:
// the stop comes between the lane's check of ctx and its timer, with
// nothing in flight. (It once slept the Poll out and hung ./notify.)
func TestOutboxStopWhileLookingUntilDue(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		var looked sync.Once
		// untilDue's first query selects next_attempt_at; the stop comes
		// as it starts.
		err := db.Callback().Query().Before("gorm:query").Register("test:stop_in_until_due", func(tx *gorm.DB) {
			for _, s := range tx.Statement.Selects {
				if s == "next_attempt_at" {
					looked.Do(stop)
				}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		clock := okienko.NewManualClock(officetest.Anchor(t).At(0, 8, 0))
		w := &Worker{DB: db, Clock: clock, Email: newCounter(), SMS: newCounter(), Compose: plain{}, Poll: time.Hour, SendTimeout: time.Hour}
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the worker stopped during untilDue did not return (it sleeps a whole Poll)")
		}
		if ctx.Err() == nil {
			t.Fatal("the worker returned without being stopped: untilDue was never asked")
		}
	})
}
