package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/okienko/okienko/kiosk/escpos"
	"github.com/okienko/okienko/kiosk/printer"
)

// printJob prints job once on the printer at uri, each step bounded by
// timeout; ctx's end does not interrupt it (a job being printed is finished).
// It returns reason "" when the printer took the job and reports ready,
// else the printer.PrintError's job reason (paper_out, cover_open, offline,
// cutter_error, unreachable when nothing was written; no_status or
// interrupted when the job went out and the printer did not confirm it, so
// it may have printed), and the printer's state to report.
func printJob(ctx context.Context, uri string, job []byte, timeout time.Duration) (reason, state string, err error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*timeout+time.Second)
	defer cancel()
	t, err := printer.Open(uri, timeout)
	if err != nil {
		return printer.StateUnreachable, printer.StateUnreachable, err
	}
	defer t.Close()
	st, err := printer.Print(ctx, t, job, timeout)
	var pe *printer.PrintError
	switch {
	case err == nil:
		return "", st.State(), nil
	case errors.As(err, &pe):
		return pe.JobReason(), pe.Reason, err
	default:
		return printer.StateUnreachable, printer.StateUnreachable, err
	}
}

// askPrinter asks the printer at uri its status within timeout. The state
// is unreachable when it could not be asked, unknown when it has no back
// channel.
func askPrinter(ctx context.Context, uri string, timeout time.Duration) (printer.Status, string, error) {
	t, err := printer.Open(uri, timeout)
	if err != nil {
		return printer.Status{}, printer.StateUnreachable, err
	}
	defer t.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	st, err := t.Status(ctx)
	if err != nil {
		return printer.Status{}, printer.StateUnreachable, err
	}
	return st, st.State(), nil
}

// testPrint prints the test page on the configured printer: nil when it
// printed, an error with the reason otherwise.
func testPrint(ctx context.Context, cfg *config, stdout io.Writer) error {
	uri, err := cfg.printerURI()
	if err != nil {
		return err
	}
	p, err := escpos.ProfileFor(cfg.Paper, cfg.CodeTable, "", cfg.Paper == 80)
	if err != nil {
		return usageError{err.Error()}
	}
	qr := "https://github.com/okienko/okienko"
	if cfg.Server != "" {
		qr = cfg.Server
	}
	page, err := escpos.TestPage(p, qr, "Profil: "+p.Name, "Drukarka: "+uri,
		"Czas: "+time.Now().Format("2006-01-02 15:04:05"), "okienko-kiosk "+buildVersion())
	if err != nil {
		return err
	}
	reason, state, err := printJob(ctx, uri, page, cfg.Timeout)
	if reason != "" {
		return fmt.Errorf("test page not printed on %s: %s (%v)", uri, reason, err)
	}
	fmt.Fprintf(stdout, "test page printed on %s (%s); printer state: %s\n", uri, p.Name, state)
	return nil
}

// printerStatus prints the printer's state; nil when it is ready to print.
func printerStatus(ctx context.Context, cfg *config, stdout io.Writer) error {
	uri, err := cfg.printerURI()
	if err != nil {
		return err
	}
	st, state, err := askPrinter(ctx, uri, cfg.Timeout)
	fmt.Fprintln(stdout, state)
	switch {
	case err != nil:
		return err
	case !st.Known:
		return fmt.Errorf("printer %s does not report its status", uri)
	case !st.Ready():
		return fmt.Errorf("printer %s is not ready: %s", uri, state)
	}
	return nil
}
