package kiosk

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/kiosk/escpos"
	"github.com/okienko/okienko/kiosk/printer"
)

// Job states.
const (
	JobQueued = "queued"
	JobSent   = "sent"
	JobDone   = "done"
	JobFailed = "failed"
)

// Print results answered to the kiosk.
const (
	Printed = "printed" // the printer took the whole ticket and reports ready
	Queued  = "queued"  // waiting for the kiosk's agent
	Failed  = "failed"  // see Reason; the ticket is shown on screen
	NoPrint = "none"    // the kiosk has no printer: screen only
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
	p, err := escpos.ProfileFor(k.Printer.PaperMM, k.Printer.CodeTable, k.Printer.QR, k.Printer.Cutter)
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
	p, err := escpos.ProfileFor(k.Printer.PaperMM, k.Printer.CodeTable, k.Printer.QR, k.Printer.Cutter)
	if err != nil {
		return Result{}, err
	}
	page, err := escpos.TestPage(p, qrData, "Biletomat: "+k.Name, "Drukarka: "+k.Printer.URI, "Profil: "+p.Name,
		"Czas: "+s.clock.Now().UTC().Format("2006-01-02 15:04:05")+" UTC")
	if err != nil {
		return Result{}, okienko.Internal(err)
	}
	return s.PrintTicket(ctx, id, 0, page)
}

// PrintTicket stores the print job of a ticket (payload: its ESC/POS bytes)
// and prints it: directly on a network or local printer (the answer says
// printed, or failed with the reason: paper_out, cover_open, offline,
// cutter_error, unreachable), through the kiosk's agent (queued), or not at
// all without a printer (none). A job for an agent kiosk whose agent is
// silent (agent_offline) or has reported its printer unable to print
// (paper_out, …) fails at once with that reason and is never sent by
// itself: the visitor is told now, not surprised by a late ticket; a person
// may reprint it. ENOTFOUND for an unknown kiosk.
func (s *Store) PrintTicket(ctx context.Context, kioskID, ticketID int64, payload []byte) (Result, error) {
	k, err := s.Get(ctx, kioskID)
	if err != nil {
		return Result{}, err
	}
	if k.Printer.URI == "none" {
		return Result{State: NoPrint}, nil
	}
	now := s.now()
	j := &Job{KioskID: kioskID, TicketID: &ticketID, Kind: "ticket", State: JobQueued, Payload: payload, CreatedAt: now, UpdatedAt: now}
	if ticketID == 0 {
		j.TicketID, j.Kind = nil, "test"
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

// send prints a job on the kiosk's printer, once, under PrintTimeout, and
// records the outcome on the job and the printer's state on the kiosk.
func (s *Store) send(ctx context.Context, k *Kiosk, j *Job) (Result, error) {
	now := s.now()
	res := s.db.WithContext(ctx).Model(&Job{}).Where("id = ? AND state = ?", j.ID, JobQueued).
		Updates(map[string]any{"state": JobSent, "attempts": gorm.Expr("attempts + 1"), "sent_at": now, "updated_at": now})
	if res.Error != nil {
		return Result{}, okienko.Internal(res.Error)
	}
	if res.RowsAffected != 1 {
		return Result{}, okienko.Errorf(okienko.ECONFLICT, "print job %d is already being printed", j.ID)
	}
	// Print asks, writes and asks again, each under PrintTimeout.
	pctx, cancel := context.WithTimeout(ctx, 3*PrintTimeout)
	defer cancel()
	state, reason := printer.StateUnknown, ""
	t, err := openTransport(k.Printer.URI, PrintTimeout)
	if err == nil {
		var st printer.Status
		st, err = printer.Print(pctx, t, j.Payload, PrintTimeout)
		_ = t.Close()
		state = st.State()
	}
	var pe *printer.PrintError
	switch {
	case err == nil:
	case errors.As(err, &pe):
		reason = pe.Reason
		state = pe.Reason
	default:
		reason, state = printer.StateUnreachable, printer.StateUnreachable
	}
	if err := s.SetPrinterState(ctx, k.ID, state); err != nil {
		return Result{}, err
	}
	return s.Finish(ctx, j.ID, reason)
}

// Finish records the outcome of a sent job: done when reason is "", else
// failed with the reason.
func (s *Store) Finish(ctx context.Context, jobID int64, reason string) (Result, error) {
	now := s.now()
	set := map[string]any{"state": JobDone, "reason": "", "done_at": now, "updated_at": now}
	out := Result{State: Printed, JobID: jobID}
	if reason != "" {
		set = map[string]any{"state": JobFailed, "reason": reason, "updated_at": now}
		out = Result{State: Failed, Reason: reason, JobID: jobID}
	}
	res := s.db.WithContext(ctx).Model(&Job{}).Where("id = ? AND state = ?", jobID, JobSent).Updates(set)
	if res.Error != nil {
		return Result{}, okienko.Internal(res.Error)
	}
	if res.RowsAffected != 1 {
		return Result{}, okienko.Errorf(okienko.ECONFLICT, "print job %d was not being printed", jobID)
	}
	return out, nil
}

// Reprint prints a job again (after a refill, or for a lost ticket): the
// job goes back to the queue and is sent once. While an agent kiosk's agent
// is silent or its printer cannot print, the answer is failed with the
// reason (as for PrintTicket) and the job is left as it was. ENOTFOUND;
// ECONFLICT while it is queued or being printed.
func (s *Store) Reprint(ctx context.Context, jobID int64) (Result, error) {
	var j Job
	err := s.db.WithContext(ctx).First(&j, jobID).Error
	if database.IsNotFound(err) {
		return Result{}, okienko.Errorf(okienko.ENOTFOUND, "print job %d not found", jobID)
	}
	if err != nil {
		return Result{}, okienko.Internal(err)
	}
	if j.State != JobDone && j.State != JobFailed {
		return Result{}, okienko.Errorf(okienko.ECONFLICT, "print job %d is %s; it can be printed again once it is done or failed", jobID, j.State)
	}
	k, err := s.Get(ctx, j.KioskID)
	if err != nil {
		return Result{}, err
	}
	if reason := unprintable(k); reason != "" {
		return Result{State: Failed, Reason: reason, JobID: jobID}, nil
	}
	res := s.db.WithContext(ctx).Model(&Job{}).Where("id = ? AND state IN ?", jobID, []string{JobDone, JobFailed}).
		Updates(map[string]any{"state": JobQueued, "reason": "", "updated_at": s.now()})
	if res.Error != nil {
		return Result{}, okienko.Internal(res.Error)
	}
	if res.RowsAffected != 1 {
		return Result{}, okienko.Errorf(okienko.ECONFLICT, "print job %d is %s; it can be printed again once it is done or failed", jobID, j.State)
	}
	j.State = JobQueued
	return s.dispatch(ctx, k, &j)
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

// Take marks the kiosk's queued jobs as sent and returns them, oldest first,
// for its agent to print.
func (s *Store) Take(ctx context.Context, kioskID int64) ([]Job, error) {
	var out []Job
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("kiosk_id = ? AND state = ?", kioskID, JobQueued).Order("id").Limit(20).Find(&out).Error; err != nil {
			return err
		}
		now := s.now()
		for i := range out {
			if err := tx.Model(&Job{}).Where("id = ?", out[i].ID).Updates(map[string]any{
				"state": JobSent, "attempts": gorm.Expr("attempts + 1"), "sent_at": now, "updated_at": now}).Error; err != nil {
				return err
			}
			out[i].State = JobSent
		}
		return nil
	})
	if err != nil {
		return nil, okienko.Internal(err)
	}
	return out, nil
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
	p, err := escpos.ProfileFor(k.Printer.PaperMM, k.Printer.CodeTable, k.Printer.QR, k.Printer.Cutter)
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

// FailSent marks the kiosk's jobs sent to its agent and never answered as
// failed with reason (when the agent reconnects, those answers are lost);
// they can be reprinted. It returns how many.
func (s *Store) FailSent(ctx context.Context, kioskID int64, reason string) (int64, error) {
	res := s.db.WithContext(ctx).Model(&Job{}).Where("kiosk_id = ? AND state = ?", kioskID, JobSent).
		Updates(map[string]any{"state": JobFailed, "reason": reason, "updated_at": s.now()})
	if res.Error != nil {
		return 0, okienko.Internal(res.Error)
	}
	return res.RowsAffected, nil
}

// RetryFailed prints again, once more, the jobs that failed in the last
// maxAge because their printer could not be reached (a visitor may still be
// at the kiosk); other failures (paper, cover) wait for a person to reprint.
// Jobs already tried maxAttempts times are left failed. It returns how many
// it retried.
func (s *Store) RetryFailed(ctx context.Context, maxAge time.Duration, maxAttempts int) (int, error) {
	var jobs []Job
	err := s.db.WithContext(ctx).Omit("payload").
		Where("state = ? AND reason = ? AND attempts < ? AND created_at > ?", JobFailed, printer.StateUnreachable, maxAttempts, s.now().Add(-maxAge)).
		Order("id").Limit(100).Find(&jobs).Error
	if err != nil {
		return 0, okienko.Internal(err)
	}
	n := 0
	for _, j := range jobs {
		if _, err := s.Reprint(ctx, j.ID); err != nil {
			if okienko.ErrorCode(err) == okienko.ECONFLICT {
				continue // reprinted by a person meanwhile
			}
			return n, err
		}
		n++
	}
	return n, nil
}
