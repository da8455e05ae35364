package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/event"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/queue"
)

// The counters move with what they count: a job's runs, failures and last
// success; ticket events on their way to the displays (which still get them).
func TestOpsCounters(t *testing.T) {
	clock := okienko.NewManualClock(time.Date(2031, 3, 4, 10, 0, 0, 0, time.UTC))
	m := newOpsMetrics(prometheus.NewRegistry(), clock)
	m.jobRan("sweep", nil)
	m.jobRan("sweep", errors.New("broken"))
	m.jobRan("sweep", errors.New("broken"))
	if runs, fails, last := value(t, m.jobRuns.WithLabelValues("sweep")), value(t, m.jobFailures.WithLabelValues("sweep")),
		value(t, m.jobSuccess.WithLabelValues("sweep")); runs != 3 || fails != 2 || last != float64(clock.Now().Unix()) {
		t.Errorf("runs %v, failures %v, last success %v", runs, fails, last)
	}
	var published int
	publish := m.countTickets(func(evs []event.Event) { published += len(evs) })
	publish([]event.Event{{Type: queue.EventIssued}, {Type: queue.EventIssued}, {Type: queue.EventCalled}, {Type: queue.EventCounter}})
	if issued, called := value(t, m.tickets.WithLabelValues(queue.EventIssued)), value(t, m.tickets.WithLabelValues(queue.EventCalled)); issued != 2 || called != 1 || published != 4 {
		t.Errorf("issued %v, called %v, published %d", issued, called, published)
	}
}

// The outbox backlog counts the messages queued or being sent by channel,
// with the oldest's time, and leaves out those sent or failed.
func TestOutboxBacklog(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		t0 := time.Date(2031, 3, 4, 8, 0, 0, 0, time.UTC)
		for i, st := range []string{outbox.Queued, outbox.Sending, outbox.Sent, outbox.Failed} {
			at := t0.Add(time.Duration(i) * time.Minute)
			m := outbox.Message{Key: "k" + st, Channel: outbox.SMS, Kind: outbox.Reminder, Lang: "pl", Data: "{}", State: st, NextAttemptAt: at, CreatedAt: at, UpdatedAt: at}
			if err := db.Create(&m).Error; err != nil {
				t.Fatal(err)
			}
		}
		got, err := outbox.Backlog(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		sms, email := got[outbox.SMS], got[outbox.Email]
		if sms.Count != 2 || sms.Oldest == nil || !sms.Oldest.Equal(t0) || email.Count != 0 || email.Oldest != nil {
			t.Fatalf("backlog %+v %+v, want 2 sms from %v, no e-mail", sms, email, t0)
		}
	})
}

// value is a counter's or a gauge's value.
func value(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		t.Fatal(err)
	}
	if d.Counter != nil {
		return d.Counter.GetValue()
	}
	return d.Gauge.GetValue()
}
