package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/okienko/okienko/kiosk/printer"
)

// config is the agent's configuration: flags, with environment variables
// filling in the flags that were not given.
type config struct {
	Server      string        // --server, OKIENKO_SERVER_URL
	Token       string        // --token / --token-file, OKIENKO_KIOSK_TOKEN / OKIENKO_KIOSK_TOKEN_FILE
	Printer     string        // --printer, OKIENKO_PRINTER
	Timeout     time.Duration // --timeout: each printer I/O step
	StatusEvery time.Duration // --status-every
	Paper       int           // --paper (test-print)
	CodeTable   int           // --code-table (test-print)
	LogLevel    string        // --log-level, OKIENKO_LOG_LEVEL
	LogFormat   string        // --log-format, OKIENKO_LOG_FORMAT
}

// usageError is a mistake in the command line or configuration: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// flags declares the command-line flags into cfg.
func flags(cfg *config) *flag.FlagSet {
	fs := flag.NewFlagSet("okienko-kiosk", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&cfg.Server, "server", "", "")
	fs.StringVar(&cfg.Token, "token", "", "")
	fs.String("token-file", "", "")
	fs.StringVar(&cfg.Printer, "printer", "", "")
	fs.DurationVar(&cfg.Timeout, "timeout", printer.DefaultTimeout, "")
	fs.DurationVar(&cfg.StatusEvery, "status-every", 30*time.Second, "")
	fs.IntVar(&cfg.Paper, "paper", 80, "")
	fs.IntVar(&cfg.CodeTable, "code-table", 18, "")
	fs.StringVar(&cfg.LogLevel, "log-level", "info", "")
	fs.StringVar(&cfg.LogFormat, "log-format", "text", "")
	return fs
}

// parseArgs reads the command (the first argument that is not a flag; "run"
// when there is none) and the flags, which may come before and after it, and
// completes the flags not given from the environment. It returns a
// usageError for unknown flags, stray arguments, unreadable token files and
// invalid values; commands check that what they need is there.
func parseArgs(args []string, getenv func(string) string) (string, *config, error) {
	cfg := &config{}
	fs := flags(cfg)
	if err := fs.Parse(args); err != nil {
		return "", nil, usageError{err.Error()}
	}
	cmd := "run"
	if fs.NArg() > 0 {
		cmd = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return "", nil, usageError{err.Error()}
		}
		if fs.NArg() > 0 {
			return "", nil, usagef("unexpected argument %q", fs.Arg(0))
		}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	env := func(flagName, name string, v *string) {
		if !set[flagName] {
			if e := strings.TrimSpace(getenv(name)); e != "" {
				*v = e
			}
		}
	}
	env("server", "OKIENKO_SERVER_URL", &cfg.Server)
	env("printer", "OKIENKO_PRINTER", &cfg.Printer)
	env("log-level", "OKIENKO_LOG_LEVEL", &cfg.LogLevel)
	env("log-format", "OKIENKO_LOG_FORMAT", &cfg.LogFormat)

	// The token: --token, --token-file, OKIENKO_KIOSK_TOKEN,
	// OKIENKO_KIOSK_TOKEN_FILE, the first one given.
	tokenFile := ""
	switch {
	case set["token"]:
	case set["token-file"]:
		tokenFile = fs.Lookup("token-file").Value.String()
	case getenv("OKIENKO_KIOSK_TOKEN") != "":
		cfg.Token = getenv("OKIENKO_KIOSK_TOKEN")
	default:
		tokenFile = getenv("OKIENKO_KIOSK_TOKEN_FILE")
	}
	if tokenFile != "" {
		b, err := os.ReadFile(tokenFile)
		if err != nil {
			return "", nil, usagef("kiosk token: %v", err)
		}
		cfg.Token = string(b)
	}
	cfg.Token = strings.TrimSpace(cfg.Token)

	if cfg.Timeout <= 0 {
		return "", nil, usagef("--timeout must be positive")
	}
	if cfg.StatusEvery <= 0 {
		return "", nil, usagef("--status-every must be positive")
	}
	if cfg.Paper != 80 && cfg.Paper != 58 {
		return "", nil, usagef("--paper must be 80 or 58")
	}
	if cfg.CodeTable != 18 && cfg.CodeTable != 45 {
		return "", nil, usagef("--code-table must be 18 (PC852) or 45 (WPC1250)")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return "", nil, usagef("--log-level must be debug, info, warn or error")
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return "", nil, usagef("--log-format must be text or json")
	}
	return cmd, cfg, nil
}

// printerURI returns the local printer's address: tcp://HOST:PORT or
// file:///dev/…; a usageError when it is missing or is not a local printer.
func (c *config) printerURI() (string, error) {
	if c.Printer == "" {
		return "", usagef("no printer: set --printer or OKIENKO_PRINTER (tcp://HOST:9100 or file:///dev/usb/lp0)")
	}
	u, err := printer.ParseURI(c.Printer)
	if err != nil {
		return "", usagef("printer %q: must be tcp://HOST:9100 or file:///dev/usb/lp0", c.Printer)
	}
	if u.Kind != printer.KindTCP && u.Kind != printer.KindFile {
		return "", usagef("printer %q: the agent prints on a local printer, tcp://HOST:9100 or file:///dev/usb/lp0", c.Printer)
	}
	return u.String(), nil
}

// agentURL returns the websocket address of the server's agent endpoint:
// http(s)://HOST/PATH becomes ws(s)://HOST/PATH/ws/kiosk/agent.
func agentURL(server string) (string, error) {
	if server == "" {
		return "", usagef("no server: set --server or OKIENKO_SERVER_URL (e.g. https://okienko.example.pl)")
	}
	u, err := url.Parse(strings.TrimSpace(server))
	if err != nil || u.Host == "" {
		return "", usagef("server %q: must be an address like https://okienko.example.pl", server)
	}
	switch strings.ToLower(u.Scheme) {
	case "https", "wss":
		u.Scheme = "wss"
	case "http", "ws":
		u.Scheme = "ws"
	default:
		return "", usagef("server %q: must start with https:// or http://", server)
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	u.Path = strings.TrimSuffix(u.Path, "/") + "/ws/kiosk/agent"
	u.RawPath = ""
	return u.String(), nil
}

// agentConfig checks that everything run needs is set.
func (c *config) agentConfig() (wsURL, printerURI string, err error) {
	var errs []error
	wsURL, err = agentURL(c.Server)
	errs = append(errs, err)
	if c.Token == "" {
		errs = append(errs, usagef("no kiosk token: set --token, --token-file, OKIENKO_KIOSK_TOKEN or OKIENKO_KIOSK_TOKEN_FILE"))
	}
	printerURI, err = c.printerURI()
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return "", "", usageError{err.Error()}
	}
	return wsURL, printerURI, nil
}
