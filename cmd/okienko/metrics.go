package main

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/event"
	"github.com/okienko/okienko/jobs"
	"github.com/okienko/okienko/kiosk"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/queue"
)

// opsMetrics are the metrics an operator alerts on, besides the HTTP
// layer's (web) and the outbox worker's (notify): bookings and tickets
// made, print jobs by kiosk, job runs, and, read from the database at
// scrape, the outbox backlog and the printers that need a person. The
// rules in deploy/prometheus and the dashboard in deploy/grafana use them.
// Job names are the label "name": "job" is Prometheus's own target label.
type opsMetrics struct {
	clock okienko.Clock

	bookings    *prometheus.CounterVec // okienko_bookings_created_total{via}
	tickets     *prometheus.CounterVec // okienko_ticket_events_total{event}
	prints      *prometheus.CounterVec // okienko_print_jobs_total{kiosk_id,outcome}
	jobRuns     *prometheus.CounterVec // okienko_job_runs_total{name}
	jobFailures *prometheus.CounterVec // okienko_job_failures_total{name}
	jobSuccess  *prometheus.GaugeVec   // okienko_job_last_success_timestamp_seconds{name}
}

// ticketEvents are the ticket events counted, each a value of the event label.
var ticketEvents = []string{queue.EventIssued, queue.EventCalled, queue.EventFinished, queue.EventNoShow,
	queue.EventExpired, queue.EventTransferred, queue.EventReturned, queue.EventArrived}

// printOutcomes are the outcomes of print jobs, each a value of the outcome label.
var printOutcomes = []string{kiosk.Printed, kiosk.Failed, kiosk.Uncertain}

// newOpsMetrics registers the counters on reg; follow connects them.
func newOpsMetrics(reg prometheus.Registerer, clock okienko.Clock) *opsMetrics {
	m := &opsMetrics{
		clock: clock,
		bookings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "okienko_bookings_created_total",
			Help: "Bookings made on this instance, by way: resident, staff (for a caller), waitlist (an offer accepted).",
		}, []string{"via"}),
		tickets: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "okienko_ticket_events_total",
			Help: "Ticket events committed on this instance: ticket.issued, ticket.called, ticket.finished, ticket.no_show, …",
		}, []string{"event"}),
		prints: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "okienko_print_jobs_total",
			Help: "Print jobs finished, by kiosk id and outcome: printed, failed (not printed), unknown (sent, not confirmed).",
		}, []string{"kiosk_id", "outcome"}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "okienko_job_runs_total",
			Help: "Runs of scheduled jobs on this instance, by job name (each tick runs on one instance only).",
		}, []string{"name"}),
		jobFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "okienko_job_failures_total",
			Help: "Runs of scheduled jobs on this instance that failed (an error or a panic), by job name.",
		}, []string{"name"}),
		jobSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "okienko_job_last_success_timestamp_seconds",
			Help: "When a scheduled job last succeeded on this instance (Unix seconds), by job name; 0 before its first success.",
		}, []string{"name"}),
	}
	for _, via := range []string{booking.ViaResident, booking.ViaStaff, booking.ViaWaitlist} {
		m.bookings.WithLabelValues(via)
	}
	for _, e := range ticketEvents {
		m.tickets.WithLabelValues(e)
	}
	reg.MustRegister(m.bookings, m.tickets, m.prints, m.jobRuns, m.jobFailures, m.jobSuccess)
	return m
}

// jobRan counts one run of job (jobs.WithRunHook).
func (m *opsMetrics) jobRan(job string, err error) {
	m.jobRuns.WithLabelValues(job).Inc()
	if err != nil {
		m.jobFailures.WithLabelValues(job).Inc()
		return
	}
	m.jobSuccess.WithLabelValues(job).Set(float64(m.clock.Now().Unix()))
}

// countTickets wraps publish (the queue's OnCommit hook) to count ticket
// events on their way.
func (m *opsMetrics) countTickets(publish func([]event.Event)) func([]event.Event) {
	counted := make(map[string]prometheus.Counter, len(ticketEvents))
	for _, e := range ticketEvents {
		counted[e] = m.tickets.WithLabelValues(e)
	}
	return func(events []event.Event) {
		for _, e := range events {
			if c, ok := counted[e.Type]; ok {
				c.Inc()
			}
		}
		publish(events)
	}
}

// follow hooks the counters to the stores and the scheduler (whose jobs
// must be registered by now), shows every series at zero from the start
// (so rules and the dashboard see them before the first event), and
// registers the database-read gauges. Returns an error when the kiosks
// cannot be listed.
func (m *opsMetrics) follow(ctx context.Context, reg prometheus.Registerer, db *gorm.DB, bookings *booking.Store, kiosks *kiosk.Store, sched *jobs.Scheduler, log *slog.Logger) error {
	bookings.OnCreated(func(via string) { m.bookings.WithLabelValues(via).Inc() })
	kiosks.OnFinished(func(id int64, state string) { m.prints.WithLabelValues(strconv.FormatInt(id, 10), state).Inc() })
	for _, j := range sched.Jobs() {
		m.jobRuns.WithLabelValues(j)
		m.jobFailures.WithLabelValues(j)
		m.jobSuccess.WithLabelValues(j)
	}
	list, err := kiosks.List(ctx)
	if err != nil {
		return err
	}
	for _, k := range list {
		for _, o := range printOutcomes {
			m.prints.WithLabelValues(strconv.FormatInt(k.ID, 10), o)
		}
	}
	reg.MustRegister(&stateGauges{db: db, kiosks: kiosks, clock: m.clock, log: log})
	return nil
}

// stateGauges reads, at scrape, what only the database knows: the outbox
// backlog by channel, and the printers that need a person. The reads are
// bounded by scrapeTimeout and their answer is kept for scrapeCache, so
// several Prometheus servers scraping at once cost one read.
type stateGauges struct {
	db     *gorm.DB
	kiosks *kiosk.Store
	clock  okienko.Clock
	log    *slog.Logger

	mu      sync.Mutex
	readAt  time.Time
	metrics []prometheus.Metric
}

const (
	scrapeTimeout = 2 * time.Second
	scrapeCache   = 5 * time.Second
)

var (
	descBacklog = prometheus.NewDesc("okienko_outbox_backlog",
		"Messages queued or being sent, by channel (all instances: read from the database).", []string{"channel"}, nil)
	descOldest = prometheus.NewDesc("okienko_outbox_oldest_pending_seconds",
		"Age of the oldest message queued or being sent, by channel; 0 when none.", []string{"channel"}, nil)
	descAlert = prometheus.NewDesc("okienko_printer_alert",
		"1 for a kiosk printer that needs a person (paper low or out, cover open, offline, unreachable, cutter error), else 0; state is its last state.", []string{"kiosk_id", "kiosk", "state"}, nil)
	descAlerting = prometheus.NewDesc("okienko_printers_alerting",
		"Kiosk printers that need a person.", nil, nil)
	descStateUp = prometheus.NewDesc("okienko_state_metrics_up",
		"1 when the last read of the database-read metrics (outbox backlog, printers) succeeded.", nil, nil)
)

// Describe sends the descriptions of the gauges.
func (g *stateGauges) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descBacklog, descOldest, descAlert, descAlerting, descStateUp} {
		ch <- d
	}
}

// Collect sends the gauges, read again when the last read is older than
// scrapeCache; a failed read is logged and sends only okienko_state_metrics_up 0.
func (g *stateGauges) Collect(ch chan<- prometheus.Metric) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.metrics == nil || time.Since(g.readAt) > scrapeCache {
		g.metrics = g.read()
		g.readAt = time.Now()
	}
	for _, m := range g.metrics {
		ch <- m
	}
}

func (g *stateGauges) read() []prometheus.Metric {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	down := []prometheus.Metric{prometheus.MustNewConstMetric(descStateUp, prometheus.GaugeValue, 0)}
	backlog, err := outbox.Backlog(ctx, g.db)
	if err != nil {
		g.log.Warn("metrics: outbox backlog", "err", err)
		return down
	}
	printers, err := g.kiosks.Printers(ctx)
	if err != nil {
		g.log.Warn("metrics: printers", "err", err)
		return down
	}
	now := g.clock.Now()
	var out []prometheus.Metric
	for _, ch := range outbox.Channels {
		p := backlog[ch]
		age := 0.0
		if p.Oldest != nil {
			age = max(now.Sub(*p.Oldest).Seconds(), 0)
		}
		out = append(out,
			prometheus.MustNewConstMetric(descBacklog, prometheus.GaugeValue, float64(p.Count), ch),
			prometheus.MustNewConstMetric(descOldest, prometheus.GaugeValue, age, ch))
	}
	alerting := 0
	for _, p := range printers {
		v := 0.0
		if p.Alert {
			v, alerting = 1, alerting+1
		}
		out = append(out, prometheus.MustNewConstMetric(descAlert, prometheus.GaugeValue, v, strconv.FormatInt(p.KioskID, 10), p.Kiosk, p.State))
	}
	out = append(out,
		prometheus.MustNewConstMetric(descAlerting, prometheus.GaugeValue, float64(alerting)),
		prometheus.MustNewConstMetric(descStateUp, prometheus.GaugeValue, 1))
	return out
}
