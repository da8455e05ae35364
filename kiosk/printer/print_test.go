package printer_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/okienko/okienko/kiosk/printer"
	"github.com/okienko/okienko/kiosk/printer/printertest"
)

// ticket is a small job: init, text, feed and partial cut (GS V 66 n).
var ticket = []byte("\x1b@A 042\n\x1dVB\x03")

const timeout = 2 * time.Second

func open(t *testing.T, uri string, timeout time.Duration) printer.Transport {
	t.Helper()
	tr, err := printer.Open(uri, timeout)
	if err != nil {
		t.Fatalf("Open(%q): %v", uri, err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// print opens a fresh transport for one job, as a caller does.
func printOnce(t *testing.T, f *printertest.Fake) (printer.Status, error) {
	t.Helper()
	tr := open(t, f.URI(), timeout)
	defer tr.Close()
	return printer.Print(context.Background(), tr, ticket, timeout)
}

func printError(t *testing.T, err error) *printer.PrintError {
	t.Helper()
	var pe *printer.PrintError
	if !errors.As(err, &pe) {
		t.Fatalf("error = %v, want *PrintError", err)
	}
	return pe
}

func TestPrintOK(t *testing.T) {
	for _, noisy := range []bool{false, true} {
		f := printertest.Start(t)
		f.SetNoise(noisy)
		st, err := printOnce(t, f)
		if err != nil {
			t.Fatalf("noise %v: Print: %v", noisy, err)
		}
		if st.State() != printer.StateOK {
			t.Errorf("noise %v: state %q, want ok", noisy, st.State())
		}
		if got := f.Printed(); got != 1 {
			t.Errorf("noise %v: printed %d, want 1", noisy, got)
		}
		if jobs := f.Jobs(); len(jobs) != 1 || !bytes.Equal(jobs[0], ticket) {
			t.Errorf("noise %v: jobs %q, want one %q", noisy, jobs, ticket)
		}
		// Status asked before and after the job.
		if got := f.Asked(); string(got) != "\x01\x02\x04\x01\x02\x04" {
			t.Errorf("noise %v: asked DLE EOT %x, want 1 2 4 1 2 4", noisy, got)
		}
	}
}

func TestPrintPaperLowStillPrints(t *testing.T) {
	f := printertest.Start(t)
	f.SetPaperNearEnd(true)
	st, err := printOnce(t, f)
	if err != nil {
		t.Fatalf("Print: %v", err)
	}
	if st.State() != printer.StatePaperLow || f.Printed() != 1 {
		t.Fatalf("state %q printed %d, want paper_low and 1", st.State(), f.Printed())
	}
}

// A printer that is not ready gets nothing; once fixed, a reprint prints
// exactly once.
func TestPrintNotReady(t *testing.T) {
	tests := []struct {
		name   string
		fault  func(*printertest.Fake)
		fix    func(*printertest.Fake)
		reason string
	}{
		{"paper out", func(f *printertest.Fake) { f.SetPaperOut(true) }, (*printertest.Fake).Refill, printer.StatePaperOut},
		{"cover open", func(f *printertest.Fake) { f.SetCoverOpen(true) }, func(f *printertest.Fake) { f.SetCoverOpen(false) }, printer.StateCoverOpen},
		{"offline", func(f *printertest.Fake) { f.SetOffline(true) }, func(f *printertest.Fake) { f.SetOffline(false) }, printer.StateOffline},
		{"cutter error", func(f *printertest.Fake) { f.SetCutterError(true) }, func(f *printertest.Fake) { f.SetCutterError(false) }, printer.StateCutterError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := printertest.Start(t)
			tt.fault(f)
			st, err := printOnce(t, f)
			pe := printError(t, err)
			if pe.Reason != tt.reason || pe.Sent {
				t.Fatalf("PrintError %+v, want reason %q not sent", pe, tt.reason)
			}
			if st.State() != tt.reason || pe.Status.State() != tt.reason {
				t.Errorf("status %q / %q, want %q", st.State(), pe.Status.State(), tt.reason)
			}
			if got := f.Received(); len(got) != 0 {
				t.Errorf("printer received %q, want nothing", got)
			}
			if f.Printed() != 0 {
				t.Errorf("printed %d, want 0", f.Printed())
			}

			tt.fix(f)
			if _, err := printOnce(t, f); err != nil {
				t.Fatalf("reprint: %v", err)
			}
			if got := f.Printed(); got != 1 {
				t.Errorf("after reprint printed %d, want 1", got)
			}
			if jobs := f.Jobs(); len(jobs) != 1 || !bytes.Equal(jobs[0], ticket) {
				t.Errorf("jobs %q, want one %q", jobs, ticket)
			}
		})
	}
}

// Paper that ends during the job is seen by the status asked after it.
func TestPrintPaperEndsDuringJob(t *testing.T) {
	f := printertest.Start(t)
	f.RunOutMidJob()
	st, err := printOnce(t, f)
	pe := printError(t, err)
	if pe.Reason != printer.StatePaperOut || !pe.Sent || st.State() != printer.StatePaperOut {
		t.Fatalf("PrintError %+v status %q, want paper_out sent", pe, st.State())
	}
	if f.Printed() != 0 {
		t.Fatalf("printed %d, want 0", f.Printed())
	}
	f.Refill()
	if _, err := printOnce(t, f); err != nil {
		t.Fatalf("reprint: %v", err)
	}
	if f.Printed() != 1 {
		t.Fatalf("after refill printed %d, want 1", f.Printed())
	}
}

// A printer that takes the connection but never answers fails as
// unreachable within the timeout, before any job byte is sent. The bound is
// generous: it proves Print does not hang, not that it is fast.
func TestPrintSilentPrinter(t *testing.T) {
	const short = 300 * time.Millisecond
	f := printertest.Start(t)
	f.SetSilent(true)

	tests := []struct {
		name          string
		open, timeout time.Duration
	}{
		{"print timeout shorter", time.Hour, short},
		{"transport timeout shorter", short, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := open(t, f.URI(), tt.open)
			start := time.Now()
			_, err := printer.Print(context.Background(), tr, ticket, tt.timeout)
			elapsed := time.Since(start)
			pe := printError(t, err)
			if pe.Reason != printer.StateUnreachable || pe.Sent || !errors.Is(err, printer.ErrNoAnswer) {
				t.Fatalf("PrintError %+v, want unreachable, not sent, ErrNoAnswer", pe)
			}
			if elapsed >= 2*short {
				t.Fatalf("Print took %v, want under %v", elapsed, 2*short)
			}
		})
	}
	if got := f.Received(); len(got) != 0 {
		t.Errorf("silent printer received job bytes %q", got)
	}
}

func TestPrintContextDeadline(t *testing.T) {
	f := printertest.Start(t)
	f.SetSilent(true)
	tr := open(t, f.URI(), time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := printer.Print(ctx, tr, ticket, time.Hour)
	if pe := printError(t, err); pe.Reason != printer.StateUnreachable {
		t.Fatalf("reason %q, want unreachable", pe.Reason)
	}
	if elapsed := time.Since(start); elapsed >= 400*time.Millisecond {
		t.Fatalf("Print took %v past a 200ms context deadline", elapsed)
	}
}

func TestPrintConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	tr := open(t, "tcp://"+addr, timeout)
	_, err = printer.Print(context.Background(), tr, ticket, timeout)
	pe := printError(t, err)
	if pe.Reason != printer.StateUnreachable || pe.Sent || pe.Err == nil {
		t.Fatalf("PrintError %+v, want unreachable, not sent, with cause", pe)
	}
}

// One transport keeps its connection across calls; after Close it refuses.
func TestTransportReuseAndClose(t *testing.T) {
	f := printertest.Start(t)
	tr, err := printer.Open(f.URI(), timeout)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 2 {
		if _, err := printer.Print(ctx, tr, ticket, timeout); err != nil {
			t.Fatalf("Print: %v", err)
		}
	}
	if f.Printed() != 2 {
		t.Fatalf("printed %d, want 2", f.Printed())
	}
	if jobs := f.Jobs(); len(jobs) != 1 || !bytes.Equal(jobs[0], append(append([]byte{}, ticket...), ticket...)) {
		t.Fatalf("jobs %q, want both tickets on one connection", jobs)
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = printer.Print(ctx, tr, ticket, timeout)
	if pe := printError(t, err); pe.Reason != printer.StateUnreachable || pe.Sent {
		t.Fatalf("Print after Close: %+v, want unreachable not sent", pe)
	}
}

func TestNoPrinter(t *testing.T) {
	tr := open(t, "none", timeout)
	st, err := tr.Status(context.Background())
	if err != nil || st.State() != printer.StateUnknown {
		t.Fatalf("Status = %q, %v; want unknown, nil", st.State(), err)
	}
	if err := tr.Write(context.Background(), ticket); !errors.Is(err, printer.ErrNoPrinter) {
		t.Fatalf("Write error %v, want ErrNoPrinter", err)
	}
	_, err = printer.Print(context.Background(), tr, ticket, timeout)
	if pe := printError(t, err); pe.Reason != printer.StateUnreachable || pe.Sent || !errors.Is(err, printer.ErrNoPrinter) {
		t.Fatalf("Print: %+v, want unreachable, not sent, ErrNoPrinter", pe)
	}
}

func TestOpenAgent(t *testing.T) {
	tr, err := printer.Open("agent", timeout)
	if !errors.Is(err, printer.ErrAgent) || tr != nil {
		t.Fatalf("Open(agent) = %v, %v; want nil, ErrAgent", tr, err)
	}
}

// A printer that never answers DLE EOT (no back channel): asked, it is
// unreachable within one timeout and gets nothing; through WithoutStatus it
// is never asked and prints the job once, its state unknown.
func TestPrintWithoutStatus(t *testing.T) {
	f := printertest.Start(t)
	f.SetMute(true)
	short := 200 * time.Millisecond
	tr := open(t, f.URI(), short)
	_, err := printer.Print(context.Background(), tr, ticket, short)
	if pe := printError(t, err); pe.Reason != printer.StateUnreachable || pe.Sent || f.Printed() != 0 || len(f.Received()) != 0 {
		t.Fatalf("asked: %v (sent %v), printed %d", err, pe.Sent, f.Printed())
	}
	asked := len(f.Asked())
	tr = printer.WithoutStatus(open(t, f.URI(), short))
	st, err := printer.Print(context.Background(), tr, ticket, short)
	if n := f.WaitPrinted(1, time.Second); err != nil || st.Known || st.State() != printer.StateUnknown || n != 1 {
		t.Fatalf("blind: %+v %v, printed %d", st, err, n)
	}
	if len(f.Asked()) != asked {
		t.Errorf("asked DLE EOT %d times", len(f.Asked())-asked)
	}
}

// A printer that takes the whole job and then never answers: the job was
// sent in full, its outcome unknown (no_status), and it printed once.
func TestPrintSilentAfterJob(t *testing.T) {
	f := printertest.Start(t)
	f.SetSilentAfterJob(true)
	const short = 300 * time.Millisecond
	_, err := printer.Print(context.Background(), open(t, f.URI(), short), ticket, short)
	pe := printError(t, err)
	if pe.Reason != printer.StateUnreachable || !pe.Sent || !pe.Complete || pe.JobReason() != printer.ReasonNoStatus {
		t.Fatalf("PrintError %+v (job reason %q), want unreachable, sent in full, no_status", pe, pe.JobReason())
	}
	if f.Printed() != 1 {
		t.Fatalf("printed %d, want 1", f.Printed())
	}
	// A new connection is answered again.
	if _, err := printer.Print(context.Background(), open(t, f.URI(), short), ticket, short); err == nil {
		t.Fatal("the second job was confirmed by a printer that goes quiet after each job")
	}
	if f.Printed() != 2 {
		t.Fatalf("printed %d, want 2", f.Printed())
	}
}

// A printer that closes the connection midway through a job larger than
// the socket buffers: the write fails, the job was sent in part
// (interrupted) and nothing printed.
func TestPrintClosedMidJob(t *testing.T) {
	f := printertest.Start(t)
	f.SetCloseMidJob(1000)
	job := append(bytes.Repeat([]byte("A"), 32<<20), ticket...)
	_, err := printer.Print(context.Background(), open(t, f.URI(), timeout), job, timeout)
	pe := printError(t, err)
	if pe.Reason != printer.StateUnreachable || !pe.Sent || pe.Complete || pe.JobReason() != printer.ReasonInterrupted {
		t.Fatalf("PrintError %+v (job reason %q), want unreachable, sent in part, interrupted", pe, pe.JobReason())
	}
	if got := len(f.Received()); f.Printed() != 0 || got != 1000 {
		t.Fatalf("printed %d, received %d bytes; want 0 and 1000", f.Printed(), got)
	}
}
