package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/event"
	"github.com/okienko/okienko/notify/outbox"
)

// Webhook delivery: the worker's webhook lane POSTs each message's body,
// signed, to its endpoint.
const (
	// DefaultWebhookTimeout bounds one webhook request, answer included.
	DefaultWebhookTimeout = 10 * time.Second
	// maxAnswerKept is how much of a receiver's answer the delivery log
	// keeps; maxAnswerRead how much is read at all (the rest is dropped
	// with the connection).
	maxAnswerKept = 1 << 10
	maxAnswerRead = 64 << 10
	// GoneReason is why an endpoint whose receiver answered 410 was disabled.
	GoneReason = "the receiver answered 410 Gone"
)

// Headers of a webhook request.
const (
	HeaderTimestamp = "X-Okienko-Timestamp"
	HeaderSignature = "X-Okienko-Signature"
	HeaderEvent     = "X-Okienko-Event"
)

// Sign returns the X-Okienko-Signature of body sent at timestamp (unix
// seconds) with secret: "sha256=" and the hex HMAC-SHA256 of
// timestamp + "." + body.
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// webhookRow is a stored endpoint.
type webhookRow struct {
	ID             int64
	URL            string
	Events         string // comma-separated
	Secret         string
	Active         bool
	DisabledReason string
	DisabledAt     *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (webhookRow) TableName() string { return "webhooks" }

// WebhookAttempt is one logged attempt of a webhook delivery.
type WebhookAttempt struct {
	ID         int64     `json:"-"`
	WebhookID  int64     `json:"-"`
	OutboxID   int64     `json:"-"`
	Attempt    int       `json:"attempt"`
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code"`
	Error      string    `json:"error,omitempty"`
	Response   string    `json:"response,omitempty"`
	DurationMS int       `json:"duration_ms"`
}

func (WebhookAttempt) TableName() string { return "webhook_attempts" }

func (w *Worker) webhookTimeout() time.Duration {
	return orDefault(w.WebhookTimeout, DefaultWebhookTimeout)
}

// httpClient returns w.HTTP or, by default, one client for the worker's
// life that follows no redirects and, unless AllowPrivate, refuses
// internal addresses (see refuseInternal).
func (w *Worker) httpClient() *http.Client {
	if w.HTTP != nil {
		return w.HTTP
	}
	w.hookClientOnce.Do(func() { w.hookClient = guardedClient(w.AllowPrivate) })
	return w.hookClient
}

// deliverWebhook POSTs one claimed webhook message to its endpoint, logs
// the attempt and records the outcome: 2xx is delivered; 410 disables the
// endpoint (the panel and the audit log tell the administrator) and fails
// the message; anything else, a timeout included, is retried with backoff.
// A message of a deleted or disabled endpoint fails unsent. It reports
// whether the message was delivered.
func (w *Worker) deliverWebhook(ctx context.Context, m *outbox.Message) bool {
	began := time.Now()
	var eps []webhookRow
	if err := w.DB.WithContext(ctx).Where("id = ?", deref64(m.WebhookID)).Limit(1).Find(&eps).Error; err != nil {
		w.markFailed(m, err)
		return false
	}
	switch {
	case len(eps) == 0:
		w.markFailed(m, Permanent(errors.New("the endpoint was deleted")))
		return false
	case !eps[0].Active:
		w.markFailed(m, Permanent(errors.New("the endpoint is disabled")))
		return false
	}
	ep := eps[0]
	m.Recipient = hostOf(ep.URL)
	body := []byte(m.Data)
	ts := w.now().Unix()
	rctx, cancel := context.WithTimeout(ctx, w.webhookTimeout())
	defer cancel()
	status, answer, err := post(rctx, w.httpClient(), ep.URL, body, map[string]string{
		HeaderTimestamp: strconv.FormatInt(ts, 10),
		HeaderSignature: Sign(ep.Secret, ts, body),
		HeaderEvent:     m.Kind,
	})
	took := time.Since(began)
	var refused *AddressRefused
	if errors.As(err, &refused) {
		if u, perr := url.Parse(ep.URL); perr == nil {
			refused.Host = u.Hostname()
		}
		err = Permanent(refused)
	}
	if err == nil && (status < 200 || status > 299) {
		err = fmt.Errorf("the receiver answered %d %s", status, http.StatusText(status))
	}
	a := WebhookAttempt{WebhookID: ep.ID, OutboxID: m.ID, Attempt: m.Attempts, At: w.now(), StatusCode: status,
		Response: answer, DurationMS: int(took.Milliseconds())}
	if err != nil {
		a.Error = truncate(err.Error(), 500)
	}
	if ctx.Err() != nil { // shutdown: the attempt does not count
		w.release(m)
		w.Metrics.observe(m.Channel, "returned", took, 0)
		return false
	}
	lctx, lcancel := context.WithTimeout(context.Background(), 5*time.Second)
	if lerr := w.DB.WithContext(lctx).Create(&a).Error; lerr != nil {
		w.log().Warn("webhook: logging an attempt failed", "key", m.Key, "err", lerr)
	}
	lcancel()
	switch {
	case err == nil:
		ok := w.markSent(m)
		if ok {
			w.Metrics.observe(m.Channel, "sent", took, w.now().Sub(m.NextAttemptAt))
		}
		return ok
	case status == http.StatusGone:
		w.disableGone(ep.ID)
		w.markFailed(m, Permanent(err))
		w.Metrics.observe(m.Channel, "failed", took, 0)
	default:
		if w.markFailed(m, err) {
			w.Metrics.observe(m.Channel, "failed", took, 0)
		} else {
			w.Metrics.observe(m.Channel, "retry", took, 0)
		}
	}
	return false
}

// hostOf returns the host (and port) of a webhook URL, "" when it does not parse.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

// post sends body to target with headers and returns the status and the
// start of the answer (valid UTF-8, at most maxAnswerKept bytes), reading
// at most maxAnswerRead bytes of it.
func post(ctx context.Context, c *http.Client, target string, body []byte, headers map[string]string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, "", Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Okienko-Webhook/1")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	kept, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswerKept))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswerRead-maxAnswerKept))
	answer := strings.ToValidUTF8(strings.ReplaceAll(string(kept), "\x00", ""), "")
	return resp.StatusCode, answer, nil
}

// disableGone disables an endpoint whose receiver answered 410 Gone: it
// stays in the panel with the reason, its queued messages fail, and the
// audit log records the change.
func (w *Worker) disableGone(id int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	now := w.now()
	var events []event.Event
	err := w.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		events = events[:0]
		before, err := loadWebhook(tx, id)
		if err != nil || !before.Active {
			return err
		}
		if err := tx.Model(&webhookRow{}).Where("id = ?", id).Updates(map[string]any{
			"active": false, "disabled_reason": GoneReason, "disabled_at": now, "updated_at": now}).Error; err != nil {
			return err
		}
		if err := failQueued(tx, id, now, "the endpoint was disabled: "+GoneReason); err != nil {
			return err
		}
		after := *before
		after.Active, after.DisabledReason, after.DisabledAt, after.UpdatedAt = false, GoneReason, &now, now
		if err := changed(ctx, tx, now, id, &events); err != nil {
			return err
		}
		return auditWebhook(ctx, tx, now, auditDisable, id, before.view(), after.view())
	})
	if err != nil {
		w.log().Error("webhook: disabling an endpoint that answered 410 failed", "webhook", id, "err", err)
		return
	}
	committed(w.DB, w.Publish, events)
	w.log().Warn("webhook: endpoint disabled; its receiver answered 410 Gone", "webhook", id)
}

// failQueued fails the queued messages of endpoint id with reason.
func failQueued(tx *gorm.DB, id int64, now time.Time, reason string) error {
	return tx.Model(&outbox.Message{}).Where("webhook_id = ? AND state = ?", id, outbox.Queued).
		Updates(map[string]any{"state": outbox.Failed, "last_error": reason, "updated_at": now}).Error
}

func deref64(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// Limits of webhook endpoints.
const (
	MaxWebhooks      = 50
	MaxWebhookURL    = 2000
	MinWebhookSecret = 16
	MaxWebhookSecret = 200
	maxEventsListed  = 32
)

// WebhookSpec is what an administrator writes about an endpoint. Secret is
// write-only: empty at creation means "generate one", which the creation
// answers once; it is never shown again.
type WebhookSpec struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
	Secret string   `json:"secret"`
	Active bool     `json:"active"`
}

// DefaultWebhookSpec is an active endpoint with nothing else set.
func DefaultWebhookSpec() WebhookSpec { return WebhookSpec{Active: true} }

// Webhook is an endpoint as the administrator sees it: the secret only as
// SecretSet, except in the answer to a creation that generated it.
// DisabledReason says why the system disabled it (a 410 Gone).
type Webhook struct {
	ID             int64      `json:"id"`
	URL            string     `json:"url"`
	Events         []string   `json:"events"`
	Active         bool       `json:"active"`
	SecretSet      bool       `json:"secret_set"`
	Secret         string     `json:"secret,omitempty"`
	DisabledReason string     `json:"disabled_reason,omitempty"`
	DisabledAt     *time.Time `json:"disabled_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

func (r *webhookRow) view() Webhook {
	events := []string{}
	if r.Events != "" {
		events = strings.Split(r.Events, ",")
	}
	return Webhook{ID: r.ID, URL: r.URL, Events: events, Active: r.Active, SecretSet: r.Secret != "",
		DisabledReason: r.DisabledReason, DisabledAt: r.DisabledAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// Normalize trims the URL and drops repeated events, keeping the order of
// outbox.HookEvents.
func (s *WebhookSpec) Normalize() {
	s.URL = strings.TrimSpace(s.URL)
	if len(s.Events) > maxEventsListed {
		return // Validate refuses it
	}
	var out []string
	for _, e := range outbox.HookEvents {
		for _, got := range s.Events {
			if got == e {
				out = append(out, e)
				break
			}
		}
	}
	for _, got := range s.Events { // unknown ones stay, for Validate to name
		if !outbox.IsHookEvent(got) {
			out = append(out, got)
		}
	}
	s.Events = out
}

// Validate reports what is wrong with the spec as EINVALID naming the
// fields (url, events, secret), or nil. An empty secret passes (the store
// generates one at creation).
func (s WebhookSpec) Validate() error {
	f := okienko.FieldErrors{}
	switch u, err := url.Parse(s.URL); {
	case s.URL == "":
		f.Add("url", "an address is required")
	case len(s.URL) > MaxWebhookURL:
		f.Add("url", fmt.Sprintf("must be at most %d characters", MaxWebhookURL))
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		f.Add("url", "must be an http:// or https:// address")
	case u.Fragment != "" || strings.ContainsAny(s.URL, " \t\r\n"):
		f.Add("url", "must be an address without spaces or #fragment")
	}
	switch {
	case len(s.Events) == 0:
		f.Add("events", "choose at least one event")
	case len(s.Events) > maxEventsListed:
		f.Add("events", fmt.Sprintf("at most %d entries", maxEventsListed))
	default:
		for _, e := range s.Events {
			if !outbox.IsHookEvent(e) {
				f.Add("events", fmt.Sprintf("unknown event %q; known: %s", truncate(e, 40), strings.Join(outbox.HookEvents, ", ")))
				break
			}
		}
	}
	if s.Secret != "" {
		if n := len(s.Secret); n < MinWebhookSecret || n > MaxWebhookSecret {
			f.Add("secret", fmt.Sprintf("must be %d to %d characters", MinWebhookSecret, MaxWebhookSecret))
		} else if strings.IndexFunc(s.Secret, func(r rune) bool { return r < 0x21 || r == 0x7f }) >= 0 {
			f.Add("secret", "must be printable characters without spaces")
		}
	}
	return f.Err()
}

// Webhooks keeps the webhook endpoints and their delivery log. Unless
// AllowPrivate, an endpoint whose address is a literal internal IP (or
// localhost) is refused (the worker refuses names resolving to one). Every
// change of an endpoint records an EventWebhooksChanged and, once
// committed, makes this process's endpoints cache (outbox.EndpointsOf)
// forget and hands the event to Publish, so that other instances forget
// theirs (their followers call Heard).
type Webhooks struct {
	DB    *gorm.DB
	Clock okienko.Clock
	// Publish, when set, receives the events of every committed change
	// (wire it to the live events hub).
	Publish func([]event.Event)
	// AllowPrivate lets endpoints point at internal addresses
	// (OKIENKO_WEBHOOK_ALLOW_PRIVATE).
	AllowPrivate bool
}

// checkAddress refuses, as EINVALID naming url, an endpoint at a literal
// internal address unless h.AllowPrivate.
func (h *Webhooks) checkAddress(spec WebhookSpec) error {
	if h.AllowPrivate {
		return nil
	}
	if kind := literalInternal(spec.URL); kind != "" {
		return okienko.Invalid("url", fmt.Sprintf("is a %s address, not on the Internet; the operator may allow internal receivers with OKIENKO_WEBHOOK_ALLOW_PRIVATE=true", kind))
	}
	return nil
}

// EventWebhooksChanged is the type of the event every change of a webhook
// endpoint (created, changed, deleted, disabled on 410) records.
const EventWebhooksChanged = "webhooks.changed"

// Forget drops this process's cached list of active endpoints.
func (h *Webhooks) Forget() { outbox.EndpointsOf(h.DB).Forget() }

// Heard forgets the cached endpoints when e is a change of endpoints (of
// any instance); other events are ignored. Wire it to the live events hub.
func (h *Webhooks) Heard(e event.Event) {
	if e.Type == EventWebhooksChanged {
		h.Forget()
	}
}

// changed records, on tx, that endpoint id changed; committed reports it.
func changed(ctx context.Context, tx *gorm.DB, now time.Time, id int64, events *[]event.Event) error {
	e, err := event.Add(ctx, tx, now, EventWebhooksChanged, ObjectWebhook, id, nil)
	if err != nil {
		return err
	}
	*events = append(*events, *e)
	return nil
}

// committed makes db's endpoints cache forget after a committed change of
// endpoints and hands its events to publish (nil: nobody else is told).
func committed(db *gorm.DB, publish func([]event.Event), events []event.Event) {
	outbox.EndpointsOf(db).Forget()
	if publish != nil && len(events) > 0 {
		publish(events)
	}
}

// Audit object and action of endpoints.
const (
	ObjectWebhook = "webhook"
	auditDisable  = "disable"
	auditResend   = "redeliver"
)

func (h *Webhooks) now() time.Time { return h.Clock.Now().UTC().Truncate(time.Microsecond) }

func loadWebhook(tx *gorm.DB, id int64) (*webhookRow, error) {
	var rows []webhookRow
	if err := tx.Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, okienko.Errorf(okienko.ENOTFOUND, "webhook %d not found", id)
	}
	return &rows[0], nil
}

func auditWebhook(ctx context.Context, tx *gorm.DB, now time.Time, action string, id int64, before, after any) error {
	return audit.Record(ctx, tx, now, action, ObjectWebhook, id, before, after)
}

// transaction runs fn in a transaction; when fn records a change of
// endpoints (changed) and the transaction commits, the change is published
// (committed).
func (h *Webhooks) transaction(ctx context.Context, fn func(tx *gorm.DB, events *[]event.Event) error) error {
	var events []event.Event
	err := h.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		events = events[:0]
		return fn(tx, &events)
	})
	var oe *okienko.Error
	if err != nil && !errors.As(err, &oe) {
		return okienko.Internal(err)
	}
	if err == nil && len(events) > 0 {
		committed(h.DB, h.Publish, events)
	}
	return err
}

// List returns every endpoint, oldest first.
func (h *Webhooks) List(ctx context.Context) ([]Webhook, error) {
	var rows []webhookRow
	if err := h.DB.WithContext(ctx).Order("id").Limit(MaxWebhooks * 2).Find(&rows).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	out := make([]Webhook, len(rows))
	for i := range rows {
		out[i] = rows[i].view()
	}
	return out, nil
}

// Get returns one endpoint. ENOTFOUND.
func (h *Webhooks) Get(ctx context.Context, id int64) (*Webhook, error) {
	r, err := loadWebhook(h.DB.WithContext(ctx), id)
	if err != nil {
		var oe *okienko.Error
		if errors.As(err, &oe) {
			return nil, err
		}
		return nil, okienko.Internal(err)
	}
	v := r.view()
	return &v, nil
}

// Create validates and stores an endpoint. Without a secret it generates
// one (32 random bytes, hex) and answers it in Secret, the only time it is
// shown. EINVALID naming the field; ECONFLICT past MaxWebhooks endpoints.
func (h *Webhooks) Create(ctx context.Context, spec WebhookSpec) (*Webhook, error) {
	spec.Normalize()
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if err := h.checkAddress(spec); err != nil {
		return nil, err
	}
	generated := ""
	if spec.Secret == "" {
		var b [32]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, okienko.Internal(err)
		}
		generated = hex.EncodeToString(b[:])
		spec.Secret = generated
	}
	var out Webhook
	err := h.transaction(ctx, func(tx *gorm.DB, events *[]event.Event) error {
		var n int64
		if err := tx.Model(&webhookRow{}).Count(&n).Error; err != nil {
			return err
		}
		if n >= MaxWebhooks {
			return okienko.Errorf(okienko.ECONFLICT, "at most %d webhook endpoints", MaxWebhooks)
		}
		now := h.now()
		r := webhookRow{URL: spec.URL, Events: strings.Join(spec.Events, ","), Secret: spec.Secret,
			Active: spec.Active, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		out = r.view()
		if err := changed(ctx, tx, now, r.ID, events); err != nil {
			return err
		}
		return auditWebhook(ctx, tx, now, "create", r.ID, nil, out)
	})
	if err != nil {
		return nil, err
	}
	out.Secret = generated
	return &out, nil
}

// Update applies patch to the endpoint's spec (its secret as written, so
// a patch without "secret" keeps it) and stores it. Switching an endpoint
// on clears why it was disabled; switching it off fails its queued
// messages. ENOTFOUND; EINVALID naming the field.
func (h *Webhooks) Update(ctx context.Context, id int64, patch func(*WebhookSpec) error) (*Webhook, error) {
	var out Webhook
	err := h.transaction(ctx, func(tx *gorm.DB, events *[]event.Event) error {
		before, err := loadWebhook(tx, id)
		if err != nil {
			return err
		}
		spec := WebhookSpec{URL: before.URL, Events: before.view().Events, Secret: before.Secret, Active: before.Active}
		if err := patch(&spec); err != nil {
			return err
		}
		spec.Normalize()
		if spec.Secret == "" {
			return okienko.Invalid("secret", fmt.Sprintf("must be %d to %d characters", MinWebhookSecret, MaxWebhookSecret))
		}
		if err := spec.Validate(); err != nil {
			return err
		}
		if spec.URL != before.URL {
			if err := h.checkAddress(spec); err != nil {
				return err
			}
		}
		now := h.now()
		after := *before
		after.URL, after.Events, after.Secret, after.Active, after.UpdatedAt = spec.URL, strings.Join(spec.Events, ","), spec.Secret, spec.Active, now
		if spec.Active {
			after.DisabledReason, after.DisabledAt = "", nil
		}
		if err := tx.Model(&webhookRow{}).Where("id = ?", id).Updates(map[string]any{
			"url": after.URL, "events": after.Events, "secret": after.Secret, "active": after.Active,
			"disabled_reason": after.DisabledReason, "disabled_at": after.DisabledAt, "updated_at": now}).Error; err != nil {
			return err
		}
		if !spec.Active {
			if err := failQueued(tx, id, now, "the endpoint was switched off"); err != nil {
				return err
			}
		}
		out = after.view()
		if err := changed(ctx, tx, now, id, events); err != nil {
			return err
		}
		return auditWebhook(ctx, tx, now, "update", id, before.view(), out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Delete removes an endpoint and its delivery log; its queued messages
// fail. ENOTFOUND.
func (h *Webhooks) Delete(ctx context.Context, id int64) error {
	return h.transaction(ctx, func(tx *gorm.DB, events *[]event.Event) error {
		before, err := loadWebhook(tx, id)
		if err != nil {
			return err
		}
		now := h.now()
		if err := failQueued(tx, id, now, "the endpoint was deleted"); err != nil {
			return err
		}
		if err := tx.Where("webhook_id = ?", id).Delete(&WebhookAttempt{}).Error; err != nil {
			return err
		}
		if err := tx.Delete(&webhookRow{}, id).Error; err != nil {
			return err
		}
		if err := changed(ctx, tx, now, id, events); err != nil {
			return err
		}
		return auditWebhook(ctx, tx, now, "delete", id, before.view(), nil)
	})
}

// Delivery is one event sent (or to be sent) to an endpoint: an outbox
// message of the webhook channel with the log of its attempts.
type Delivery struct {
	ID            int64            `json:"id"`
	EventID       string           `json:"event_id"`
	Type          string           `json:"type"`
	Object        string           `json:"object"`
	State         string           `json:"state"`
	Attempts      int              `json:"attempts"`
	NextAttemptAt time.Time        `json:"next_attempt_at"`
	LastError     string           `json:"last_error,omitempty"`
	CreatedAt     time.Time        `json:"created_at"`
	SentAt        *time.Time       `json:"sent_at,omitempty"`
	Log           []WebhookAttempt `json:"log"`
}

// Deliveries returns the endpoint's newest deliveries (up to limit,
// default 50, at most 200), each with its attempts, oldest attempt first.
// ENOTFOUND.
func (h *Webhooks) Deliveries(ctx context.Context, id int64, limit int) ([]Delivery, error) {
	if _, err := h.Get(ctx, id); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 200)
	var msgs []outbox.Message
	db := h.DB.WithContext(ctx)
	if err := db.Where("channel = ? AND webhook_id = ?", outbox.Webhook, id).Order("id DESC").Limit(limit).Find(&msgs).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	out := make([]Delivery, len(msgs))
	if len(msgs) == 0 {
		return out, nil
	}
	ids := make([]int64, len(msgs))
	at := map[int64]int{}
	for i, m := range msgs {
		ids[i], at[m.ID] = m.ID, i
		out[i] = Delivery{ID: m.ID, EventID: eventIDOf(m.Data), Type: m.Kind, Object: m.ObjectKey, State: m.State,
			Attempts: m.Attempts, NextAttemptAt: m.NextAttemptAt, LastError: m.LastError, CreatedAt: m.CreatedAt,
			SentAt: m.SentAt, Log: []WebhookAttempt{}}
	}
	var log []WebhookAttempt
	if err := db.Where("outbox_id IN ?", ids).Order("id").Find(&log).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	for _, a := range log {
		i := at[a.OutboxID]
		out[i].Log = append(out[i].Log, a)
	}
	return out, nil
}

// eventIDOf reads the event id from a webhook body.
func eventIDOf(body string) string {
	var p struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal([]byte(body), &p)
	return p.ID
}

// Redeliver queues the delivery's body once more to its endpoint, as a new
// delivery (same event id, a new signature when sent), and returns it.
// ENOTFOUND for a delivery not of that endpoint; ECONFLICT while the
// endpoint is switched off.
func (h *Webhooks) Redeliver(ctx context.Context, webhookID, deliveryID int64) (*Delivery, error) {
	var out Delivery
	err := h.transaction(ctx, func(tx *gorm.DB, events *[]event.Event) error {
		ep, err := loadWebhook(tx, webhookID)
		if err != nil {
			return err
		}
		var src []outbox.Message
		if err := tx.Where("id = ? AND channel = ? AND webhook_id = ?", deliveryID, outbox.Webhook, webhookID).Limit(1).Find(&src).Error; err != nil {
			return err
		}
		if len(src) == 0 {
			return okienko.Errorf(okienko.ENOTFOUND, "delivery %d of webhook %d not found", deliveryID, webhookID)
		}
		if !ep.Active {
			return okienko.Errorf(okienko.ECONFLICT, "webhook %d is switched off; switch it on to send again", webhookID)
		}
		now := h.now()
		s := src[0]
		key := strings.SplitN(s.Key, ":again:", 2)[0] + ":again:" + strconv.FormatInt(now.UnixNano(), 36)
		m := outbox.Message{Key: key, Channel: outbox.Webhook, Kind: s.Kind, WebhookID: &webhookID, ObjectKey: s.ObjectKey}
		if _, err := outbox.Enqueue(ctx, tx, now, m, json.RawMessage(s.Data)); err != nil {
			return err
		}
		var made outbox.Message
		if err := tx.Where("key = ?", key).First(&made).Error; err != nil {
			return err
		}
		out = Delivery{ID: made.ID, EventID: eventIDOf(made.Data), Type: made.Kind, Object: made.ObjectKey, State: made.State,
			NextAttemptAt: made.NextAttemptAt, CreatedAt: made.CreatedAt, Log: []WebhookAttempt{}}
		return auditWebhook(ctx, tx, now, auditResend, webhookID, nil, map[string]any{"delivery_id": deliveryID, "new_delivery_id": made.ID})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
