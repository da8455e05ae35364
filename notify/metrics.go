package notify

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/okienko/okienko/notify/outbox"
)

// Metrics are the outbox worker's Prometheus metrics, by channel.
type Metrics struct {
	outcomes *prometheus.CounterVec   // okienko_outbox_messages_total{channel,outcome}
	send     *prometheus.HistogramVec // okienko_outbox_send_seconds{channel}
	delay    *prometheus.HistogramVec // okienko_outbox_delivery_delay_seconds{channel}
}

// NewMetrics registers the outbox's metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "okienko_outbox_messages_total",
			Help: "Outbox send attempts by channel and outcome (sent, retry, failed, returned at shutdown).",
		}, []string{"channel", "outcome"}),
		send: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "okienko_outbox_send_seconds",
			Help:    "How long composing and handing one message to its provider took.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"channel"}),
		delay: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "okienko_outbox_delivery_delay_seconds",
			Help:    "From a message being queued (or due again) to its provider accepting it.",
			Buckets: []float64{.1, .25, .5, 1, 2, 5, 10, 30, 60, 300, 3600},
		}, []string{"channel"}),
	}
	// Every channel's series from the start, at zero: rules and dashboards
	// see them before the first message.
	for _, ch := range outbox.Channels {
		for _, o := range []string{"sent", "retry", "failed", "returned"} {
			m.outcomes.WithLabelValues(ch, o)
		}
		m.send.WithLabelValues(ch)
		m.delay.WithLabelValues(ch)
	}
	reg.MustRegister(m.outcomes, m.send, m.delay)
	return m
}

// observe records one attempt's outcome and, for a sent message, how long
// after it was due.
func (m *Metrics) observe(channel, outcome string, took time.Duration, late time.Duration) {
	if m == nil {
		return
	}
	m.outcomes.WithLabelValues(channel, outcome).Inc()
	if outcome == "returned" {
		return
	}
	m.send.WithLabelValues(channel).Observe(took.Seconds())
	if outcome == "sent" {
		m.delay.WithLabelValues(channel).Observe(max(late, 0).Seconds())
	}
}
