// Package printer talks to ESC/POS receipt printers: it opens a printer by
// its address (tcp://, file://, none or agent), asks its status with DLE EOT
// and sends print jobs. Every read and write runs under a deadline, so a
// silent printer never hangs the caller.
//
// Deadlines are wall-clock instants because the operating system enforces
// them; this is the one place that reads the real clock instead of an
// okienko.Clock.
package printer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Printer states as the API shows them.
const (
	StateOK          = "ok"
	StatePaperLow    = "paper_low"
	StatePaperOut    = "paper_out"
	StateCoverOpen   = "cover_open"
	StateOffline     = "offline"
	StateUnreachable = "unreachable"
	StateCutterError = "cutter_error"
	StateUnknown     = "unknown"
)

// DefaultTimeout bounds one printer operation when a caller passes a
// timeout of zero or less.
const DefaultTimeout = 3 * time.Second

// discardWait is how long Query waits for input to discard before asking.
const discardWait = 2 * time.Millisecond

// ErrNoAnswer means the printer did not answer a status request before the
// deadline.
var ErrNoAnswer = errors.New("printer: no status answer")

// Status is what a printer reported about itself in answer to DLE EOT.
type Status struct {
	// Known is false when the status could not be asked at all (a device
	// file without a back channel, or no printer); the other fields are then
	// zero and State is StateUnknown.
	Known bool

	Online       bool // DLE EOT 1 bit 3 clear
	CoverOpen    bool // DLE EOT 2 bit 2
	PaperOut     bool // DLE EOT 2 bit 5 (printing stopped by paper end) or DLE EOT 4 bits 5, 6
	PaperNearEnd bool // DLE EOT 4 bits 2, 3
	CutterError  bool // DLE EOT 3 bit 3, asked only when DLE EOT 2 reports an error
	Error        bool // DLE EOT 2 bit 6

	// Raw holds the answers to DLE EOT 1, 2 and 4 as received.
	Raw [3]byte
}

// State names the status for people. A printer that cannot be reached is
// reported by the caller (StateUnreachable), never by State. The specific
// causes come before StateOffline because a real printer also reports itself
// offline whenever its cover is open, its paper is out or an error stopped
// it; an error other than the cutter's shows as StateOffline.
func (s Status) State() string {
	switch {
	case !s.Known:
		return StateUnknown
	case s.CoverOpen:
		return StateCoverOpen
	case s.PaperOut:
		return StatePaperOut
	case s.CutterError:
		return StateCutterError
	case !s.Online || s.Error:
		return StateOffline
	case s.PaperNearEnd:
		return StatePaperLow
	default:
		return StateOK
	}
}

// Ready reports whether the printer can print now: its status is known, it
// is online with no open cover, no paper end and no error. Paper near its
// end still prints.
func (s Status) Ready() bool {
	return s.Known && s.Online && !s.CoverOpen && !s.PaperOut && !s.CutterError && !s.Error
}

// ESC/POS bytes.
const (
	dle = 0x10
	eot = 0x04
)

// Every DLE EOT answer has bit 1 and bit 4 set and bit 0 and bit 7 clear.
// Automatic status back (ASB) messages and other chatter never match it, so
// bytes that don't are skipped as stray.
const (
	statusMask  = 0x93
	statusFixed = 0x12
)

func validStatusByte(b byte) bool { return b&statusMask == statusFixed }

// decode turns the answers to DLE EOT 1, 2, 3 and 4 into a Status;
// errorCause is zero when DLE EOT 3 was not asked.
func decode(printer, offline, errorCause, paper byte) Status {
	return Status{
		Known:        true,
		Online:       printer&0x08 == 0,
		CoverOpen:    offline&0x04 != 0,
		PaperOut:     offline&0x20 != 0 || paper&0x60 != 0,
		PaperNearEnd: paper&0x0c != 0,
		CutterError:  errorCause&0x08 != 0,
		Error:        offline&0x40 != 0,
		Raw:          [3]byte{printer, offline, paper},
	}
}

// Conn is a two-way link to a printer whose reads and writes can be bounded
// by a deadline, such as a net.Conn or a pollable *os.File.
type Conn interface {
	io.Reader
	io.Writer
	SetDeadline(t time.Time) error
}

// Query asks the printer on c for its status with DLE EOT 1, 2 and 4 (and
// DLE EOT 3 when DLE EOT 2 reports an error, to tell a cutter error). It
// first discards whatever input is waiting, then reads each answer skipping
// stray bytes that cannot be a status byte. The whole query ends by
// timeout (DefaultTimeout when zero or less) or ctx's deadline, whichever is
// sooner, and at once when ctx is cancelled. A printer that does not answer
// in time gives an error wrapping ErrNoAnswer; Query leaves c's deadline set.
func Query(ctx context.Context, c Conn, timeout time.Duration) (Status, error) {
	d := deadline(ctx, timeout)
	release := interrupt(ctx, c)
	st, err := query(ctx, c, d)
	release()
	if err != nil {
		return Status{}, withContext(ctx, err)
	}
	return st, nil
}

func query(ctx context.Context, c Conn, d time.Time) (Status, error) {
	if err := discardInput(ctx, c, d); err != nil {
		return Status{}, err
	}
	if err := setDeadline(ctx, c, d); err != nil {
		return Status{}, err
	}
	printer, err := ask(c, 1)
	if err != nil {
		return Status{}, err
	}
	offline, err := ask(c, 2)
	if err != nil {
		return Status{}, err
	}
	var errorCause byte
	if offline&0x40 != 0 {
		if errorCause, err = ask(c, 3); err != nil {
			return Status{}, err
		}
	}
	paper, err := ask(c, 4)
	if err != nil {
		return Status{}, err
	}
	return decode(printer, offline, errorCause, paper), nil
}

// discardInput reads and drops what the printer sent before we asked:
// leftovers of an earlier exchange or ASB messages.
func discardInput(ctx context.Context, c Conn, d time.Time) error {
	wait := time.Now().Add(discardWait)
	if d.Before(wait) {
		wait = d
	}
	if err := setDeadline(ctx, c, wait); err != nil {
		return err
	}
	var buf [256]byte
	for {
		_, err := c.Read(buf[:])
		switch {
		case err == nil:
		case errors.Is(err, os.ErrDeadlineExceeded):
			return nil
		default:
			return fmt.Errorf("printer: read status: %w", err)
		}
	}
}

// ask sends DLE EOT n and returns the first byte read back that can be a
// status byte.
func ask(c Conn, n byte) (byte, error) {
	if _, err := c.Write([]byte{dle, eot, n}); err != nil {
		return 0, fmt.Errorf("printer: ask status (DLE EOT %d): %w", n, err)
	}
	var buf [64]byte
	for {
		k, err := c.Read(buf[:])
		for _, b := range buf[:k] {
			if validStatusByte(b) {
				return b, nil
			}
		}
		switch {
		case err == nil:
		case errors.Is(err, os.ErrDeadlineExceeded):
			return 0, fmt.Errorf("%w to DLE EOT %d: %w", ErrNoAnswer, n, err)
		default:
			return 0, fmt.Errorf("printer: read status (DLE EOT %d): %w", n, err)
		}
	}
}

// deadline is now plus timeout (DefaultTimeout when zero or less), or ctx's
// deadline when that comes first.
func deadline(ctx context.Context, timeout time.Duration) time.Time {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	d := time.Now().Add(timeout)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		d = cd
	}
	return d
}

type deadliner interface {
	SetDeadline(t time.Time) error
}

// setDeadline sets c's deadline and then reports ctx's error, so a
// cancellation that raced with the new deadline is not lost.
func setDeadline(ctx context.Context, c deadliner, d time.Time) error {
	if err := c.SetDeadline(d); err != nil {
		return fmt.Errorf("printer: set deadline: %w", err)
	}
	return ctx.Err()
}

// interrupt pulls c's deadline into the past when ctx is done, so blocked
// I/O on c returns at once. The returned release stops watching ctx and, if
// the interruption already started, waits for it to finish so it cannot
// override a later deadline.
func interrupt(ctx context.Context, c deadliner) (release func()) {
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = c.SetDeadline(time.Unix(1, 0))
		close(fired)
	})
	return func() {
		if !stop() {
			<-fired
		}
	}
}
