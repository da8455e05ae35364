package kiosk

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/kiosk/escpos"
	"github.com/okienko/okienko/kiosk/printer"
)

// Job states. A job is printed by itself at most once: only a job that
// never reached its printer is sent again (by RetryFailed, while younger
// than its kiosk's max_job_age_minutes); everything else waits for a
// person to reprint it.
const (
	// JobQueued: waiting to go out, to the printer now or to the kiosk's
	// agent when it takes it.
	JobQueued = "queued"
	// JobSent: being written to the printer, or taken by the agent.
	JobSent = "sent"
	// JobDone: the printer took the job and reported ready.
	JobDone = "done"
	// JobFailed: not printed, for Reason: the printer could not be reached
	// or reported trouble before the job (nothing went out), or reported
	// trouble after it (paper ran out midway).
	JobFailed = "failed"
	// JobUnknown: the bytes went out and whether the ticket printed is not
	// known (Reason no_status, interrupted, agent_lost, abandoned). Never
	// printed again by itself; a person can reprint it.
	JobUnknown = "unknown"
	// JobExpired: the job did not reach the printer within its kiosk's
	// max_job_age_minutes and is never printed late.
	JobExpired = "expired"
)

// Reasons of jobs whose outcome is unknown, besides the printer's
// printer.ReasonNoStatus and printer.ReasonInterrupted.
const (
	// ReasonAgentLost: the agent took the job and its connection ended
	// before it answered.
	ReasonAgentLost = "agent_lost"
	// ReasonAbandoned: the job stayed sent longer than StaleSent: the
	// server or agent printing it stopped (crashed, killed) midway.
	ReasonAbandoned = "abandoned"
)

// Ways a job went out (Job.Via).
const (
	ViaDirect = "direct" // written by the server to a network or local printer
	ViaAgent  = "agent"  // taken by the kiosk's agent
)

// unknownOutcome are the reasons that make a finished job unknown rather
// than failed.
var unknownOutcome = map[string]bool{printer.ReasonNoStatus: true, printer.ReasonInterrupted: true,
	ReasonAgentLost: true, ReasonAbandoned: true}

// Print results answered to the kiosk.
const (
	Printed   = "printed" // the printer took the whole ticket and reports ready
	Queued    = "queued"  // waiting for the kiosk's agent
	Failed    = "failed"  // see Reason; the ticket is shown on screen
	Uncertain = "unknown" // the printer took the ticket and did not confirm it (Reason); shown on screen too
	NoPrint   = "none"    // the kiosk has no printer: screen only
)

// Job is one print job.
type Job struct {
	ID        int64      `json:"id"`
	KioskID   int64      `json:"kiosk_id"`
	TicketID  *int64     `json:"ticket_id"`
	Kind      string     `json:"kind"`
	State     string     `json:"state"`
	Reason    string     `json:"reason,omitempty"`
	Attempts  int        `json:"attempts"`
	Via       string     `json:"via,omitempty"`
	ReprintOf *int64     `json:"reprint_of"`
	Lang      string     `json:"lang,omitempty"` // a ticket's language (pl, en, uk), kept for its reprints; "" for a test page
	Payload   []byte     `json:"-"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	SentAt    *time.Time `json:"sent_at"`
	DoneAt    *time.Time `json:"done_at"`
}

// TableName is the table of print jobs.
func (Job) TableName() string { return "print_jobs" }

// Result is what became of printing a ticket.
type Result struct {
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
	JobID  int64  `json:"job_id,omitempty"`
}

// PrintTimeout bounds one attempt to print, status questions included.
var PrintTimeout = 3 * time.Second

// transports opens printers; tests replace it.
var openTransport = printer.Open

// wake tells agents of kiosks that jobs wait.
type wake struct {
	mu sync.Mutex
	ch map[int64]chan struct{}
}

// Waiting returns a channel that receives when jobs for kiosk id are queued.
func (s *Store) Waiting(id int64) <-chan struct{} {
	s.wake.mu.Lock()
	defer s.wake.mu.Unlock()
	if s.wake.ch == nil {
		s.wake.ch = map[int64]chan struct{}{}
	}
	c, ok := s.wake.ch[id]
	if !ok {
		c = make(chan struct{}, 1)
		s.wake.ch[id] = c
	}
	return c
}

func (s *Store) nudge(id int64) {
	s.Waiting(id) // make sure the channel exists
	s.wake.mu.Lock()
	c := s.wake.ch[id]
	s.wake.mu.Unlock()
	select {
	case c <- struct{}{}:
	default:
	}
}

// Render returns the ESC/POS bytes of ticket t for kiosk k's printer.
func Render(k *Kiosk, t escpos.Ticket) ([]byte, error) {
	p, err := k.Printer.Profile()
	if err != nil {
		return nil, err
	}
	return escpos.Render(p, t)
}

// TestPrint prints the test page on kiosk id's printer, as a print job of
// kind "test" (see PrintTicket for the answer); qrData is what its QR code
// says. ENOTFOUND for an unknown kiosk; EINVALID when the printer settings
// make no profile.
func (s *Store) TestPrint(ctx context.Context, id int64, qrData string) (Result, error) {
	k, err := s.Get(ctx, id)
	if err != nil {
		return Result{}, err
	}
	p, err := k.Printer.Profile()
	if err != nil {
		return Result{}, err
	}
	page, err := escpos.TestPage(p, qrData, "Biletomat: "+k.Name, "Drukarka: "+k.Printer.URI, "Profil: "+p.Name,
		"Czas: "+s.clock.Now().UTC().Format("2006-01-02 15:04:05")+" UTC")
	if err != nil {
		return Result{}, okienko.Internal(err)
	}
	return s.PrintTicket(ctx, id, 0, "", page)
}

// PrintTicket stores the print job of a ticket (payload: its ESC/POS bytes
// rendered in lang, which the job keeps for its reprints) and prints it:
// directly on a network or local printer (the answer says printed, or
// failed with the reason: paper_out, cover_open, offline, cutter_error,
// unreachable), through the kiosk's agent (queued), or not at all without
// a printer (none). A job for an agent kiosk whose agent is
// silent (agent_offline) or has reported its printer unable to print
// (paper_out, …) fails at once with that reason and is never sent by
// itself: the visitor is told now, not surprised by a late ticket; a person
// may reprint it. ENOTFOUND for an unknown kiosk.
func (s *Store) PrintTicket(ctx context.Context, kioskID, ticketID int64, lang string, payload []byte) (Result, error) {
	k, err := s.Get(ctx, kioskID)
	if err != nil {
		return Result{}, err
	}
	if k.Printer.URI == "none" {
		return Result{State: NoPrint}, nil
	}
	now := s.now()
	j := &Job{KioskID: kioskID, TicketID: &ticketID, Kind: "ticket", State: JobQueued, Lang: lang, Payload: payload, CreatedAt: now, UpdatedAt: now}
	if ticketID == 0 {
		j.TicketID, j.Kind, j.Lang = nil, "test", ""
	}
	reason := unprintable(k)
	if reason != "" {
		j.State, j.Reason = JobFailed, reason
	}
	if err := s.db.WithContext(ctx).Create(j).Error; err != nil {
		return Result{}, okienko.Internal(err)
	}
	if reason != "" {
		return Result{State: Failed, Reason: reason, JobID: j.ID}, nil
	}
	return s.dispatch(ctx, k, j)
}

// dispatch sends a queued job to where the kiosk prints.
func (s *Store) dispatch(ctx context.Context, k *Kiosk, j *Job) (Result, error) {
	if k.Printer.URI == "agent" {
		s.nudge(k.ID)
		return Result{State: Queued, JobID: j.ID}, nil
	}
	return s.send(ctx, k, j)
}

// send prints a queued job on the kiosk's printer, once, under
// PrintTimeout, and records the outcome on the job (see Finish) and the
// printer's state on the kiosk. A caller that goes away meanwhile does not
// stop it: the job is finished and recorded. ECONFLICT when the job is no
// longer queued (sent by someone else).
func (s *Store) send(ctx context.Context, k *Kiosk, j *Job) (Result, error) {
	ctx = context.WithoutCancel(ctx)
	now := s.now()
	res := s.db.WithContext(ctx).Model(&Job{}).Where("id = ? AND state = ?", j.ID, JobQueued).
		Updates(map[string]any{"state": JobSent, "via": ViaDirect, "attempts": gorm.Expr("attempts + 1"), "sent_at": now, "updated_at": now})
	if res.Error != nil {
		return Result{}, okienko.Internal(res.Error)
	}
	if res.RowsAffected != 1 {
		return Result{}, okienko.Errorf(okienko.ECONFLICT, "print job %d is already being printed", j.ID)
	}
	// Print asks, writes and asks again, each under PrintTimeout, with the
	// printer watch kept off the printer meanwhile.
	pctx, cancel := context.WithTimeout(ctx, 3*PrintTimeout)
	defer cancel()
	state, reason := printer.StateUnknown, ""
	lock := s.printer.of(k.ID)
	lock.RLock()
	t, err := k.Printer.open(PrintTimeout)
	if err == nil {
		var st printer.Status
		st, err = printer.Print(pctx, t, j.Payload, PrintTimeout)
		_ = t.Close()
		state = st.State()
	}
	lock.RUnlock()
	var pe *printer.PrintError
	switch {
	case err == nil:
	case errors.As(err, &pe):
		reason, state = pe.JobReason(), pe.Reason
	default:
		reason, state = printer.StateUnreachable, printer.StateUnreachable
	}
	if err := s.SetPrinterState(ctx, k.ID, state); err != nil {
		return Result{}, err
	}
	return s.Finish(ctx, k.ID, j.ID, reason)
}

// Finish records the outcome of a sent job of kiosk kioskID: done (answer printed) when
// reason is ""; unknown (answer unknown) when the bytes went out and the
// printer did not confirm (printer.ReasonNoStatus, printer.ReasonInterrupted)
// or the job was lost with them (ReasonAgentLost, ReasonAbandoned); else
// failed with the reason. A job already marked unknown takes a late answer
// (an agent slower than StaleSent). ECONFLICT when the kiosk has no such
// job sent or unknown.
func (s *Store) Finish(ctx context.Context, kioskID, jobID int64, reason string) (Result, error) {
	now := s.now()
	set := map[string]any{"state": JobDone, "reason": "", "done_at": now, "updated_at": now}
	out := Result{State: Printed, JobID: jobID}
	switch {
	case reason == "":
	case unknownOutcome[reason]:
		set = map[string]any{"state": JobUnknown, "reason": reason, "updated_at": now}
		out = Result{State: Uncertain, Reason: reason, JobID: jobID}
	default:
		set = map[string]any{"state": JobFailed, "reason": reason, "updated_at": now}
		out = Result{State: Failed, Reason: reason, JobID: jobID}
	}
	res := s.db.WithContext(ctx).Model(&Job{}).Where("id = ? AND kiosk_id = ? AND state IN ?", jobID, kioskID, []string{JobSent, JobUnknown}).Updates(set)
	if res.Error != nil {
		return Result{}, okienko.Internal(res.Error)
	}
	if res.RowsAffected != 1 {
		return Result{}, okienko.Errorf(okienko.ECONFLICT, "print job %d was not being printed", jobID)
	}
	if s.finished != nil {
		s.finished(kioskID, out.State)
	}
	return out, nil
}

// OnFinished sets fn to hear of every print job's recorded outcome (Finish):
// the kiosk and Printed, Failed or Uncertain. For counting: fn must be
// quick and must not call the store.
func (s *Store) OnFinished(fn func(kioskID int64, state string)) { s.finished = fn }

// StaleSent is how long a job may stay sent: one still sent after it was
// being printed by a server or agent that stopped midway, and becomes
// unknown (ReasonAbandoned). Direct printing takes at most 3 PrintTimeouts;
// an agent prints a batch of jobs one after another.
var StaleSent = 2 * time.Minute

// Reprint prints job jobID again, as asked by a person (after a refill, or
// for a lost ticket): as a new job, reprint_of the original, with payload
// (the original's bytes when nil; a ticket's duplicate, marked DUPLIKAT
// with the current people ahead, is rendered by the caller, in the
// original's Lang, which the new job keeps). The new job is
// printed as PrintTicket's are and the answer is the same; the original
// keeps its state, except that one left sent for longer than StaleSent is
// first marked unknown (abandoned). A kiosk without a printer answers none
// and stores nothing. ENOTFOUND; ECONFLICT while the job, or a reprint of
// it, waits in the queue or is being printed: it will print.
//
// While an agent kiosk's agent is silent (agent_offline) or has reported
// its printer unable to print (paper_out, …), the answer is failed with
// that reason, as for PrintTicket, and nothing is stored: no new job that
// would print later by surprise; the original (its job_id in the answer)
// is left as it was, to be reprinted once the printer is back.
func (s *Store) Reprint(ctx context.Context, jobID int64, payload []byte) (Result, error) {
	var (
		k       *Kiosk
		dup     *Job
		refused string
	)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var j Job
		err := forUpdate(tx).First(&j, jobID).Error
		if database.IsNotFound(err) {
			return okienko.Errorf(okienko.ENOTFOUND, "print job %d not found", jobID)
		}
		if err != nil {
			return err
		}
		now := s.now()
		stale := now.Add(-StaleSent)
		switch {
		case j.State == JobQueued:
			return okienko.Errorf(okienko.ECONFLICT, "print job %d waits for the printer; it will print", jobID)
		case j.State == JobSent && j.SentAt != nil && j.SentAt.After(stale):
			return okienko.Errorf(okienko.ECONFLICT, "print job %d is being printed", jobID)
		case j.State == JobSent:
			if err := tx.Model(&Job{}).Where("id = ? AND state = ?", j.ID, JobSent).
				Updates(map[string]any{"state": JobUnknown, "reason": ReasonAbandoned, "updated_at": now}).Error; err != nil {
				return err
			}
		}
		var pending int64
		if err := tx.Model(&Job{}).Where("reprint_of = ? AND (state = ? OR (state = ? AND sent_at > ?))", j.ID, JobQueued, JobSent, stale).
			Count(&pending).Error; err != nil {
			return err
		}
		if pending > 0 {
			return okienko.Errorf(okienko.ECONFLICT, "a reprint of print job %d waits for the printer or is being printed", jobID)
		}
		r, err := load(tx, j.KioskID)
		if err != nil {
			return err
		}
		if k = r.kiosk(now); k.Printer.URI == "none" {
			return nil
		}
		if refused = unprintable(k); refused != "" {
			return nil
		}
		if payload == nil {
			payload = j.Payload
		}
		dup = &Job{KioskID: j.KioskID, TicketID: j.TicketID, Kind: j.Kind, State: JobQueued, Lang: j.Lang, Payload: payload,
			ReprintOf: &j.ID, CreatedAt: now, UpdatedAt: now}
		return tx.Create(dup).Error
	})
	if err != nil {
		return Result{}, okienko.AsError(err)
	}
	if refused != "" {
		return Result{State: Failed, Reason: refused, JobID: jobID}, nil
	}
	if dup == nil {
		return Result{State: NoPrint}, nil
	}
	return s.dispatch(ctx, k, dup)
}

// forUpdate locks the selected rows until the transaction ends on
// PostgreSQL; on SQLite the transaction already holds the write lock.
func forUpdate(tx *gorm.DB) *gorm.DB {
	if database.Dialect(tx) == database.Postgres {
		return tx.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return tx
}

// JobOf returns the newest print job of a ticket. ENOTFOUND.
func (s *Store) JobOf(ctx context.Context, ticketID int64) (*Job, error) {
	var j Job
	err := s.db.WithContext(ctx).Where("ticket_id = ?", ticketID).Order("id DESC").First(&j).Error
	if database.IsNotFound(err) {
		return nil, okienko.Errorf(okienko.ENOTFOUND, "ticket %d has no print job", ticketID)
	}
	if err != nil {
		return nil, okienko.Internal(err)
	}
	return &j, nil
}

// Jobs lists the newest print jobs of a kiosk (all kiosks when kioskID is 0).
func (s *Store) Jobs(ctx context.Context, kioskID int64, limit int) ([]Job, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	q := s.db.WithContext(ctx).Omit("payload").Order("id DESC").Limit(limit)
	if kioskID > 0 {
		q = q.Where("kiosk_id = ?", kioskID)
	}
	out := []Job{}
	if err := q.Find(&out).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	return out, nil
}

// Job returns one print job with its payload. ENOTFOUND.
func (s *Store) Job(ctx context.Context, id int64) (*Job, error) {
	var j Job
	err := s.db.WithContext(ctx).First(&j, id).Error
	if database.IsNotFound(err) {
		return nil, okienko.Errorf(okienko.ENOTFOUND, "print job %d not found", id)
	}
	if err != nil {
		return nil, okienko.Internal(err)
	}
	return &j, nil
}

// Take marks the kiosk's queued jobs as sent (via the agent) and returns
// them, oldest first, at most 20, for its agent to print. Jobs older than
// the kiosk's max_job_age_minutes are never handed out: they become
// expired. ENOTFOUND for an unknown kiosk.
func (s *Store) Take(ctx context.Context, kioskID int64) ([]Job, error) {
	var out []Job
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := load(tx, kioskID)
		if err != nil {
			return err
		}
		now := s.now()
		if err := tx.Model(&Job{}).Where("kiosk_id = ? AND state = ? AND created_at <= ?", kioskID, JobQueued, now.Add(-r.kiosk(now).maxJobAge())).
			Updates(map[string]any{"state": JobExpired, "updated_at": now}).Error; err != nil {
			return err
		}
		if err := tx.Where("kiosk_id = ? AND state = ?", kioskID, JobQueued).Order("id").Limit(20).Find(&out).Error; err != nil {
			return err
		}
		for i := range out {
			if err := tx.Model(&Job{}).Where("id = ?", out[i].ID).Updates(map[string]any{
				"state": JobSent, "via": ViaAgent, "attempts": gorm.Expr("attempts + 1"), "sent_at": now, "updated_at": now}).Error; err != nil {
				return err
			}
			out[i].State, out[i].Via, out[i].SentAt, out[i].UpdatedAt = JobSent, ViaAgent, &now, now
			out[i].Attempts++
		}
		return nil
	})
	if err != nil {
		return nil, okienko.AsError(err)
	}
	return out, nil
}

// maxJobAge is how long the kiosk's jobs may wait for the printer.
func (k *Kiosk) maxJobAge() time.Duration {
	m := k.MaxJobAgeMinutes
	if m < MinMaxJobAge {
		m = DefaultMaxJobAge
	}
	return time.Duration(m) * time.Minute
}

// Preview renders a job's ESC/POS bytes as a PNG image, as the kiosk's
// printer would print them, for administrators without the hardware.
// ENOTFOUND.
func (s *Store) Preview(ctx context.Context, jobID int64) ([]byte, error) {
	j, err := s.Job(ctx, jobID)
	if err != nil {
		return nil, err
	}
	k, err := s.Get(ctx, j.KioskID)
	if err != nil {
		return nil, err
	}
	return PreviewPNG(k, j.Payload)
}

// PreviewPNG renders ESC/POS bytes for kiosk k's printer as a PNG image.
func PreviewPNG(k *Kiosk, payload []byte) ([]byte, error) {
	p, err := k.Printer.Profile()
	if err != nil {
		return nil, err
	}
	img, err := escpos.Preview(payload, p)
	if err != nil {
		return nil, okienko.Internal(err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, okienko.Internal(err)
	}
	return buf.Bytes(), nil
}

// AbandonSent marks the kiosk's jobs that are sent, to its agent, and
// never answered as unknown with reason (when the agent reconnects, those
// answers are lost: the tickets may or may not have printed); they are
// never printed again by themselves and can be reprinted. It returns how
// many.
func (s *Store) AbandonSent(ctx context.Context, kioskID int64, reason string) (int64, error) {
	res := s.db.WithContext(ctx).Model(&Job{}).Where("kiosk_id = ? AND state = ?", kioskID, JobSent).
		Updates(map[string]any{"state": JobUnknown, "reason": reason, "updated_at": s.now()})
	if res.Error != nil {
		return 0, okienko.Internal(res.Error)
	}
	return res.RowsAffected, nil
}

// AbandonStale marks every job sent more than StaleSent ago as unknown
// (ReasonAbandoned): the server or agent printing it stopped midway, so it
// may have printed; it is never printed again by itself. Run at start and
// by RetryFailed, it recovers jobs left sent by a crash on every
// transport. It returns how many.
func (s *Store) AbandonStale(ctx context.Context) (int64, error) {
	now := s.now()
	res := s.db.WithContext(ctx).Model(&Job{}).Where("state = ? AND (sent_at IS NULL OR sent_at < ?)", JobSent, now.Add(-StaleSent)).
		Updates(map[string]any{"state": JobUnknown, "reason": ReasonAbandoned, "updated_at": now})
	if res.Error != nil {
		return 0, okienko.Internal(res.Error)
	}
	return res.RowsAffected, nil
}

// Retried is what one RetryFailed run did.
type Retried struct {
	Retried   int   // jobs sent again (whatever became of them)
	Expired   int64 // jobs too old to print, now expired
	Abandoned int64 // jobs left sent, now unknown
}

// RetryFailed is the print-retry job's run. It marks jobs left sent for
// longer than StaleSent unknown (AbandonStale); expires the jobs that never
// reached their printer (queued, or failed as unreachable when printing
// directly) once older than their kiosk's max_job_age_minutes; and sends
// once more the younger ones that failed because the printer could not be
// reached before anything was written, and direct jobs queued for longer
// than StaleSent (their server stopped before sending them). Jobs whose
// bytes went out (sent, unknown, or taken by an agent) and failures a
// person must fix (paper, cover) are never retried.
func (s *Store) RetryFailed(ctx context.Context) (Retried, error) {
	var out Retried
	var err error
	if out.Abandoned, err = s.AbandonStale(ctx); err != nil {
		return out, err
	}
	kiosks, err := s.List(ctx)
	if err != nil {
		return out, err
	}
	for i := range kiosks {
		k := &kiosks[i]
		now := s.now()
		cutoff := now.Add(-k.maxJobAge())
		res := s.db.WithContext(ctx).Model(&Job{}).
			Where("kiosk_id = ? AND created_at <= ? AND (state = ? OR (state = ? AND reason = ? AND via = ?))",
				k.ID, cutoff, JobQueued, JobFailed, printer.StateUnreachable, ViaDirect).
			Updates(map[string]any{"state": JobExpired, "updated_at": now})
		if res.Error != nil {
			return out, okienko.Internal(res.Error)
		}
		out.Expired += res.RowsAffected
		if k.Printer.URI == "agent" || k.Printer.URI == "none" {
			continue
		}
		var jobs []Job
		err := s.db.WithContext(ctx).
			Where("kiosk_id = ? AND created_at > ? AND ((state = ? AND reason = ? AND via = ?) OR (state = ? AND updated_at < ?))",
				k.ID, cutoff, JobFailed, printer.StateUnreachable, ViaDirect, JobQueued, now.Add(-StaleSent)).
			Order("id").Limit(100).Find(&jobs).Error
		if err != nil {
			return out, okienko.Internal(err)
		}
		for _, j := range jobs {
			if j.State == JobFailed {
				res := s.db.WithContext(ctx).Model(&Job{}).Where("id = ? AND state = ? AND reason = ?", j.ID, JobFailed, printer.StateUnreachable).
					Updates(map[string]any{"state": JobQueued, "reason": "", "updated_at": now})
				if res.Error != nil {
					return out, okienko.Internal(res.Error)
				}
				if res.RowsAffected != 1 {
					continue
				}
			}
			if _, err := s.send(ctx, k, &j); err != nil {
				if okienko.ErrorCode(err) == okienko.ECONFLICT {
					continue // sent by someone else meanwhile
				}
				return out, err
			}
			out.Retried++
		}
	}
	return out, nil
}
