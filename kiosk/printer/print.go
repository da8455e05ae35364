package printer

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// PrintError is why a print job failed.
type PrintError struct {
	// Reason is StatePaperOut, StateCoverOpen, StateCutterError,
	// StateOffline (the printer says it is offline or stopped by an error)
	// or StateUnreachable (it could not be connected to, or did not answer
	// in time).
	Reason string
	// Status is the last status the printer gave, zero when none.
	Status Status
	// Sent reports that writing the job had begun, so some or all of it may
	// have printed. When false the printer received nothing and printing
	// again cannot duplicate the ticket.
	Sent bool
	// Complete reports that the whole job was written (the printer then
	// failed to answer, or reported trouble, after it).
	Complete bool
	// Err is the I/O error behind StateUnreachable.
	Err error
}

func (e *PrintError) Error() string {
	msg := "printer: " + e.Reason
	if e.Sent {
		msg += " (job sent, may be incomplete)"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *PrintError) Unwrap() error { return e.Err }

// Reasons of a job whose bytes went out to a printer that then went quiet:
// the ticket may well have printed, so it must never be printed again by
// itself.
const (
	// ReasonNoStatus: the printer took the whole job and did not answer the
	// status question after it.
	ReasonNoStatus = "no_status"
	// ReasonInterrupted: the connection or device failed while the job was
	// being written.
	ReasonInterrupted = "interrupted"
)

// JobReason is what the failure says of the job: Reason, except for a
// printer lost once the job's bytes had begun to go out, which gives
// ReasonNoStatus (the whole job written) or ReasonInterrupted (cut off
// while writing) instead of StateUnreachable. Reason stays the printer's
// state.
func (e *PrintError) JobReason() string {
	if e.Sent && e.Reason == StateUnreachable {
		if e.Complete {
			return ReasonNoStatus
		}
		return ReasonInterrupted
	}
	return e.Reason
}

// Print prints job on t. It asks the printer's status first and does not
// write when the printer is not ready; then it writes the job and asks the
// status again, which it returns. A printer that reports trouble after the
// job (paper end, cover open, offline, cutter error) may have printed it
// only in part, so that is a failure too, with Sent set. A printer whose
// status is unknown (no back channel) is printed to blindly.
//
// Each of the three steps is bounded by timeout (DefaultTimeout when zero
// or less) and by ctx, so Print returns within three timeouts even when the
// printer is silent; a silent printer fails at the first step, within one.
// Print fails only with *PrintError: Reason StateUnreachable when the
// printer could not be reached or did not answer (a connected printer that
// never answers a status request counts as unreachable, because nothing is
// known of it), otherwise the state the printer reported.
func Print(ctx context.Context, t Transport, job []byte, timeout time.Duration) (Status, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	before, err := status(ctx, t, timeout)
	if err != nil {
		return Status{}, &PrintError{Reason: StateUnreachable, Err: err}
	}
	if before.Known && !before.Ready() {
		return before, &PrintError{Reason: before.State(), Status: before}
	}

	wctx, cancel := context.WithTimeout(ctx, timeout)
	err = t.Write(wctx, job)
	cancel()
	if err != nil {
		var unsent unsentError
		return before, &PrintError{Reason: StateUnreachable, Status: before, Sent: !errors.As(err, &unsent), Err: err}
	}

	after, err := status(ctx, t, timeout)
	if err != nil {
		return before, &PrintError{Reason: StateUnreachable, Status: before, Sent: true, Complete: true,
			Err: fmt.Errorf("status after the job: %w", err)}
	}
	if after.Known && !after.Ready() {
		return after, &PrintError{Reason: after.State(), Status: after, Sent: true, Complete: true}
	}
	return after, nil
}

func status(ctx context.Context, t Transport, timeout time.Duration) (Status, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return t.Status(ctx)
}
