// Command okienko-kiosk is the agent of a kiosk PC with a USB or network
// receipt printer: it holds a websocket to the Okienko server, prints the
// kiosk's tickets on the local printer and reports the printer's state.
//
//	okienko-kiosk [run]        connect to the server and print its jobs (the default)
//	okienko-kiosk test-print   print a test page on the local printer
//	okienko-kiosk status       ask the local printer its state
//	okienko-kiosk version      print the version
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `okienko-kiosk — the Okienko kiosk agent: prints the kiosk's tickets on a
printer attached to this PC (USB or network) for an Okienko server.

Usage:
  okienko-kiosk [run] [flags]         connect to the server and print its jobs (default);
                                      reconnects by itself, stops on SIGINT/SIGTERM
  okienko-kiosk test-print [flags]    print a test page on the printer; exit 0 when printed
  okienko-kiosk status [flags]        print the printer's state (ok, paper_low, paper_out,
                                      cover_open, offline, cutter_error, unreachable,
                                      unknown); exit 0 when it is ready to print
  okienko-kiosk version               print the version
  okienko-kiosk --help                this text

Flags (an environment variable is used when its flag is not given):
  --server URL          OKIENKO_SERVER_URL        the server, e.g. https://okienko.example.pl
  --token TOKEN         OKIENKO_KIOSK_TOKEN       the kiosk's device token (from the admin page)
  --token-file FILE     OKIENKO_KIOSK_TOKEN_FILE  read the token from FILE instead
  --printer URI         OKIENKO_PRINTER           tcp://HOST:9100 (network printer, raw port)
                                                  or file:///dev/usb/lp0 (USB printer)
  --timeout D           bound of each printer step (status, write), default 3s
  --status-every D      how often the printer's state is reported, default 30s
                        (every 5s while the printer cannot print)
  --paper MM            test-print: paper width, 80 (default) or 58
  --code-table N        test-print: 18 (PC852, default) or 45 (WPC1250)
  --log-level LEVEL     OKIENKO_LOG_LEVEL         debug, info (default), warn or error
  --log-format FORMAT   OKIENKO_LOG_FORMAT        text (default) or json

The server's administrator sets the kiosk's printer to "agent"; every ticket the
kiosk issues is then sent here and printed once. A job whose outcome could not be
reported (the connection broke) is never printed again by the agent: the server
marks it unknown (agent_lost) and a person reprints it from the admin page. A job
the printer took without confirming it is reported as no_status (or interrupted
when the connection broke midway), never as not printed.

Exit codes: 0 done, 1 not printed or printer not ready, 2 bad command line.
`)
}

// run is the program; it returns the exit code: 0 done, 1 failed (the
// printer could not print, is not ready), 2 bad command line or
// configuration.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	for i, a := range args {
		if a == "-h" || a == "--help" || a == "-help" || (i == 0 && a == "help") {
			usage(stdout)
			return 0
		}
	}
	cmd, cfg, err := parseArgs(args, getenv)
	if err != nil {
		fmt.Fprintln(stderr, "okienko-kiosk:", err)
		fmt.Fprintln(stderr, "Run okienko-kiosk --help for usage.")
		return 2
	}
	log := newLogger(cfg, stderr)
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "okienko-kiosk", buildVersion())
		return 0
	case "run":
		err = runAgent(ctx, cfg, log)
	case "test-print":
		err = testPrint(ctx, cfg, stdout)
	case "status":
		err = printerStatus(ctx, cfg, stdout)
	default:
		err = usagef("unknown command %q", cmd)
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "okienko-kiosk:", err)
		fmt.Fprintln(stderr, "Run okienko-kiosk --help for usage.")
		return 2
	default:
		fmt.Fprintln(stderr, "okienko-kiosk:", err)
		return 1
	}
}

// runAgent runs the agent until ctx ends.
func runAgent(ctx context.Context, cfg *config, log *slog.Logger) error {
	wsURL, printerURI, err := cfg.agentConfig()
	if err != nil {
		return err
	}
	a := newAgent(wsURL, cfg.Token, printerURI, cfg.Timeout, cfg.StatusEvery, log)
	log.Info("okienko-kiosk starting", "version", buildVersion(), "server", wsURL, "printer", printerURI)
	a.run(ctx)
	log.Info("okienko-kiosk stopped")
	return nil
}

func newLogger(cfg *config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
	}
	return "dev"
}
